"""The upstream's server-sent events, parsed: a run needs each event to keep the answer."""

import json
from collections.abc import AsyncIterator
from typing import Any


class EventParser:
    """Feeds on bytes as they come and returns the events completed so far."""

    def __init__(self) -> None:
        self._buffer = b""

    def feed(self, chunk: bytes) -> list[dict[str, Any]]:
        buffer = self._buffer + chunk
        if b"\r" in buffer:
            buffer = buffer.replace(b"\r\n", b"\n")
        *blocks, self._buffer = buffer.split(b"\n\n")
        return [event for block in blocks if (event := _event(block)) is not None]

    def close(self) -> list[dict[str, Any]]:
        rest, self._buffer = self._buffer, b""
        event = _event(rest.strip(b"\n"))
        return [event] if event is not None else []


def _event(block: bytes) -> dict[str, Any] | None:
    data = b"\n".join(
        line[6:] if line[5:6] == b" " else line[5:]
        for line in block.split(b"\n")
        if line.startswith(b"data:")
    )
    if not data or data == b"[DONE]":
        return None
    try:
        event = json.loads(data)
    except ValueError:
        return None
    return event if isinstance(event, dict) and isinstance(event.get("type"), str) else None


async def events_of(chunks: AsyncIterator[bytes]) -> AsyncIterator[dict[str, Any]]:
    parser = EventParser()
    async for chunk in chunks:
        for event in parser.feed(chunk):
            yield event
    for event in parser.close():
        yield event
