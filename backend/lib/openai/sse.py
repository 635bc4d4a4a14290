"""OpenAI's server-sent events in, the contract's frames out.

OpenAI sends `event: <type>\\ndata: <json>\\n\\n`; the browser client reads
`data: {"event": "<type>", "data": <json>}\\n\\n` (docs/api.md, POST /api/turn_response). The
event JSON is passed through as raw bytes: parsing and re-serialising every event costs about six
times the CPU (STYLE.md) and would rewrite numbers. It is only parsed when it has to be looked
into: no `event:` line, a split `data:` field, or an `authorization` value to redact.
"""

import json
import re
from typing import Any

from lib.openai.redaction import REDACTED, DeltaWindow, redact_bytes, secret_forms
from lib.resources.mentions import Mentions, mentions_in

# An SSE comment: the contract's clients skip lines that are not `data: `, and proxies see traffic.
KEEPALIVE = b": keep-alive\n\n"


_TERMINAL_TYPES = frozenset(
    {b"response.completed", b"response.failed", b"response.incomplete", b"error"}
)
_PLAIN_TYPE = re.compile(rb"[A-Za-z0-9_.\-]+")


def read_block(block: bytes) -> tuple[bytes | None, bytes, int] | None:
    """One server-sent event block: its `event:` type (or None), its data, and how many `data:`
    lines made it; None for a block without data."""
    event_type: bytes | None = None
    data_lines: list[bytes] = []
    for line in block.split(b"\n"):
        if line.startswith(b"data:"):
            data_lines.append(line[6:] if line[5:6] == b" " else line[5:])
        elif line.startswith(b"event:"):
            event_type = line[6:].strip()
    if not data_lines:
        return None
    data = data_lines[0] if len(data_lines) == 1 else b"\n".join(data_lines)
    return event_type, data, len(data_lines)


def frame(event_type: str, data: Any) -> bytes:
    """One frame built from Python values (errors of our own, tests)."""
    payload = json.dumps({"event": event_type, "data": data}, ensure_ascii=False)
    return b"data: " + payload.encode() + b"\n\n"


def error_frame(error_type: str, code: str, message: str) -> bytes:
    """The final frame when the upstream stream breaks: OpenAI's own `error` event shape."""
    return frame(
        "error",
        {"type": "error", "error": {"type": error_type, "code": code, "message": message}},
    )


def _redact_authorization(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: REDACTED
            if key == "authorization" and isinstance(item, str)
            else _redact_authorization(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_redact_authorization(item) for item in value]
    return value


class EventTranslator:
    """Feeds on upstream bytes as they come and returns the frames completed so far."""

    def __init__(self, secret: str | None = None) -> None:
        self._buffer = b""
        self._secret = secret.encode() if secret else None
        self._forms = secret_forms(secret) if secret else []
        self._window = DeltaWindow(secret) if secret else None
        self.events = 0
        self.finished = False
        self.completed_response: dict[str, Any] | None = None
        # Containers and their files named since the last take_mentions(): they become the
        # turn's owner's before the browser can see their ids.
        self._mentions: Mentions = {}

    def feed(self, chunk: bytes) -> bytes:
        buffer = self._buffer + chunk
        if b"\r" in buffer:
            buffer = buffer.replace(b"\r\n", b"\n")
        *blocks, self._buffer = buffer.split(b"\n\n")
        if not blocks:
            return b""
        return b"".join([self._frame(block) for block in blocks])

    def close(self) -> bytes:
        """Frames for what is left when the upstream body ends without a final blank line."""
        rest, self._buffer = self._buffer, b""
        return self._frame(rest.rstrip(b"\r\n")) if rest.strip() else b""

    def take_mentions(self) -> Mentions:
        mentions, self._mentions = self._mentions, {}
        return mentions

    def _frame(self, block: bytes) -> bytes:
        read = read_block(block)
        if read is None:
            return b""  # comments, ids and retry hints are for the hop to us
        event_type, data, data_lines = read
        if data == b"[DONE]":
            return b""
        needs_parsing = (
            event_type is None
            # With a token to keep out, text deltas are read: it may come split across two.
            or (self._window is not None and event_type.endswith(b".delta"))
            or data_lines > 1
            or data[:1] != b"{"
            or b'"authorization"' in data
            or _PLAIN_TYPE.fullmatch(event_type) is None
        )
        if event_type is None or needs_parsing:
            parsed = self._parse(data)
            if parsed is None:
                return b""
            event_type, data = parsed
        if self._forms:
            data = redact_bytes(data, self._forms)
        if b"cntr_" in data:
            for kind, ids in mentions_in(data).items():
                self._mentions.setdefault(kind, set()).update(ids)
        self.events += 1
        if event_type in _TERMINAL_TYPES:
            self.finished = True
            if event_type == b"response.completed":
                # One parse per turn, for its usage (docs/api.md, Usage).
                self.completed_response = _response_of(data)
        return b'data: {"event": "' + event_type + b'", "data": ' + data + b"}\n\n"

    def _parse(self, data: bytes) -> tuple[bytes, bytes] | None:
        try:
            event = json.loads(data)
        except ValueError:
            return None  # not an event the browser could read either
        if not isinstance(event, dict):
            return None
        raw_type = event.get("type")
        event_type = raw_type if isinstance(raw_type, str) else "message"
        encoded_type = json.dumps(event_type, ensure_ascii=False)[1:-1].encode()
        event = _redact_authorization(event)
        if self._window is not None:
            event = self._window.filter(event)
        return encoded_type, json.dumps(event, ensure_ascii=False).encode()


def _response_of(data: bytes) -> dict[str, Any] | None:
    try:
        event = json.loads(data)
    except ValueError:
        return None
    response = event.get("response") if isinstance(event, dict) else None
    return response if isinstance(response, dict) else None
