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
    def __init__(
        self, flush: Callable[[], Awaitable[None]], name: str, linger: float = 0.0
    ) -> None:
        self._flush = flush
        self._name = name
        # How long a flush waits for more after the first kick, unless a kick is urgent.
        self._linger = linger
        self._wake = asyncio.Event()
        self._urgent = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def kick(self, urgent: bool = False) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._flush_forever(), name=self._name)
        self._wake.set()
        if urgent:
            self._urgent.set()

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _flush_forever(self) -> None:
        while True:
            await self._wake.wait()
            if self._linger and not self._urgent.is_set():
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self._linger):
                        await self._urgent.wait()
            self._wake.clear()
            self._urgent.clear()
            # `flush` answers every caller of what it took, failures included; it never raises.
            await self._flush()
