"""The upstream's server-sent events as a run reads them: the type, the raw JSON bytes, and the
parsed object only when something needs it.

Most events (text deltas above all) go to the listeners as the upstream wrote them; parsing
and writing each one again cost a run most of its throughput (bench/conversations.py).
"""

import json
import re
from dataclasses import dataclass, field
from typing import Any

from lib.openai.sse import read_block

_PLAIN_TYPE = re.compile(rb"[A-Za-z0-9_.\-]+")


@dataclass(slots=True)
class RawEvent:
    type: str
    data: bytes
    _parsed: dict[str, Any] | None = field(default=None, repr=False)

    def parsed(self) -> dict[str, Any]:
        if self._parsed is None:
            value = json.loads(self.data)
            self._parsed = value if isinstance(value, dict) else {}
        return self._parsed


class EventParser:
    """Feeds on bytes as they come and returns the events completed so far."""

    def __init__(self) -> None:
        self._buffer = b""

    def feed(self, chunk: bytes) -> list[RawEvent]:
        buffer = self._buffer + chunk
        if b"\r" in buffer:
            buffer = buffer.replace(b"\r\n", b"\n")
        *blocks, self._buffer = buffer.split(b"\n\n")
        return [event for block in blocks if (event := _event(block)) is not None]

    def close(self) -> list[RawEvent]:
        rest, self._buffer = self._buffer, b""
        event = _event(rest.strip(b"\n"))
        return [event] if event is not None else []


def _event(block: bytes) -> RawEvent | None:
    read = read_block(block)
    if read is None:
        return None
    event_type, data, lines = read
    if data == b"[DONE]" or data[:1] != b"{":
        return None
    named = event_type.decode() if event_type and _PLAIN_TYPE.fullmatch(event_type) else None
    if lines == 1 and named is not None:
        return RawEvent(named, data)
    try:
        parsed = json.loads(data)
    except ValueError:
        return None
    if lines > 1:
        # A frame forwards the data on its one `data:` line, where a line break would cut it
        # short for the browser: data the upstream split over several lines goes as one.
        data = json.dumps(parsed, ensure_ascii=False, separators=(",", ":")).encode()
    if named is not None:
        return RawEvent(named, data, parsed if isinstance(parsed, dict) else {})
    # No usable `event:` line: the type is inside.
    if not isinstance(parsed, dict) or not isinstance(parsed.get("type"), str):
        return None
    return RawEvent(parsed["type"], data, parsed)
