"""Group commit: what many tasks queue at one moment is written by one task, in one go.

The owner queues its work, then calls `kick()`; the flusher's task wakes and runs `flush`,
which takes everything queued so far. What is queued while a flush runs waits for the next
one, so under load the writes grow larger instead of more numerous (the answers' progress,
the turns' starts, the frames shared through Redis).
"""

import asyncio
import contextlib
from collections.abc import Awaitable, Callable


class Flusher:
    def __init__(self, flush: Callable[[], Awaitable[None]], name: str) -> None:
        self._flush = flush
        self._name = name
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def kick(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._flush_forever(), name=self._name)
        self._wake.set()

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _flush_forever(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            # `flush` answers every caller of what it took, failures included; it never raises.
            await self._flush()
