"""A run's frames in this process: kept in order, followed by any number of listeners.

A listener asks for the frames after the last id it saw and then gets the live ones as they
come, with no gap and no duplicate, until the run has ended.
"""

import asyncio
from collections.abc import AsyncIterator

from lib.runs.frames import KEEPALIVE


class RunLog:
    def __init__(self) -> None:
        self._frames: list[bytes] = []
        # One future per listener waiting for the next frame. A frame that finds none (the run
        # appends several per upstream read before its listeners run) costs only its append;
        # a fresh Event per frame and a timeout context per wait were 8% of a worker's CPU
        # under load (bench/many_runs.py, fan-out).
        self._waiters: list[asyncio.Future[bool]] = []
        self.ended = False

    @property
    def last_id(self) -> int:
        return len(self._frames)

    def append(self, frame: bytes) -> int:
        """Adds the next frame (its id is its position, from 1) and wakes the listeners."""
        if self.ended:
            raise RuntimeError("the run has ended")
        self._frames.append(frame)
        if self._waiters:
            self._wake()
        return len(self._frames)

    def end(self) -> None:
        self.ended = True
        self._wake()

    def _wake(self) -> None:
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(True)

    async def follow(self, after: int = 0, keepalive: float | None = None) -> AsyncIterator[bytes]:
        """Frames after id `after`, then the live ones, until the run ends; a keep-alive comment
        after `keepalive` seconds of silence."""
        index = max(0, after)
        while True:
            if index < len(self._frames):
                # What is waiting goes out in one piece: fewer writes, same latency.
                chunk = b"".join(self._frames[index:])
                index = len(self._frames)
                yield chunk
                continue
            if self.ended:
                return
            if not await self._wait(keepalive):
                yield KEEPALIVE

    async def _wait(self, seconds: float | None) -> bool:
        """Until the next frame (True) or `seconds` of silence (False)."""
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[bool] = loop.create_future()
        self._waiters.append(waiter)
        silence = None if seconds is None else loop.call_later(seconds, _silent, waiter)
        try:
            return await waiter
        finally:
            if silence is not None:
                silence.cancel()


def _silent(waiter: "asyncio.Future[bool]") -> None:
    # Left in the log's waiters: the next frame or the end skips it, as it is done.
    if not waiter.done():
        waiter.set_result(False)
