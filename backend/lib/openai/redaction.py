"""Keeping the session's Google access token out of everything a browser receives.

OpenAI may echo the token inside a tool's `authorization` field, and a model can be led to
write it out as text, where it may come split across two deltas or JSON-escaped. So the token
is replaced in every form it takes in a frame's JSON, and the text of a delta whose end could
be the start of the token is held back until the next delta of the same item says whether it
is (then it is redacted whole) or not (then it goes out with that next delta). The `.done`
event of an item carries its whole text, redacted like everything else.
"""

import json
from typing import Any

REDACTED = "[redacted]"


def secret_forms(secret: str) -> list[bytes]:
    """The token as it can appear in JSON text: as is, and escaped (both ways JSON escapes)."""
    forms = {
        secret.encode(),
        json.dumps(secret)[1:-1].encode(),
        json.dumps(secret, ensure_ascii=False)[1:-1].encode(),
        secret.replace("/", "\\/").encode(),
    }
    return sorted(forms, key=len, reverse=True)


def redact_bytes(data: bytes, forms: list[bytes]) -> bytes:
    for form in forms:
        if form in data:
            data = data.replace(form, REDACTED.encode())
    return data


def _held_part(text: str, secret: str) -> int:
    """How many characters at the end of `text` could be the start of `secret`."""
    for size in range(min(len(secret) - 1, len(text)), 0, -1):
        if secret.startswith(text[-size:]):
            return size
    return 0


class DeltaWindow:
    """The per-item window across delta frames."""

    def __init__(self, secret: str) -> None:
        self._secret = secret
        self._held: dict[str, str] = {}

    @staticmethod
    def _key(event: dict[str, Any]) -> str:
        kind = str(event.get("type", ""))
        family = kind.rsplit(".", 1)[0]
        return f"{family}:{event.get('item_id')}:{event.get('content_index')}"

    def filter(self, event: dict[str, Any]) -> dict[str, Any]:
        """The event with its `delta` text made safe; `.done` events end an item's window."""
        kind = str(event.get("type", ""))
        if kind.endswith(".done"):
            self._held.pop(self._key(event), None)
            return event
        delta = event.get("delta")
        if not kind.endswith(".delta") or not isinstance(delta, str):
            return event
        key = self._key(event)
        text = (self._held.pop(key, "") + delta).replace(self._secret, REDACTED)
        held = _held_part(text, self._secret)
        if held:
            self._held[key] = text[-held:]
            text = text[:-held]
        return {**event, "delta": text}
