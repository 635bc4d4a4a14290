"""A run's frames as an HTTP response: the stateless route's stream headers, keep-alive
comments in silences, and the listener's going away never touching the run."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Mapping

from starlette.responses import StreamingResponse

from lib.openai.turn import STREAM_HEADERS
from lib.runs.frames import KEEPALIVE
from lib.runs.shared import SharedRunsUnavailableError

logger = logging.getLogger(__name__)

_END = object()
# Frames waiting for a slow listener; the run itself never waits for one.
_QUEUE = 256
LOST = (
    b'data: {"event": "error", "data": {"type": "error", "error": {"type": "server_error", '
    b'"code": "stream_lost", "message": "The answer\'s stream was lost; reload to read it."}}}\n\n'
)


async def with_keepalive(source: AsyncIterator[bytes], seconds: float) -> AsyncIterator[bytes]:
    """Keep-alive comments between the frames of a source that has none of its own (frames
    read from Redis for a run of another worker)."""
    queue: asyncio.Queue[object] = asyncio.Queue(_QUEUE)

    async def pump() -> None:
        try:
            async for chunk in source:
                await queue.put(chunk)
        except SharedRunsUnavailableError:
            await queue.put(LOST)
        finally:
            await queue.put(_END)

    task = asyncio.create_task(pump())
    try:
        while True:
            try:
                item = await asyncio.wait_for(queue.get(), seconds)
            except TimeoutError:
                yield KEEPALIVE
                continue
            if item is _END:
                return
            if isinstance(item, bytes):
                yield item
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def frames_response(
    source: AsyncIterator[bytes], headers: Mapping[str, str] | None = None
) -> StreamingResponse:
    """`source` sends its own keep-alive comments (RunLog.follow, with_keepalive)."""
    return StreamingResponse(
        source,
        media_type="text/event-stream",
        headers={**STREAM_HEADERS, **(headers or {})},
    )
