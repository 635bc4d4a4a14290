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
        self._changed = asyncio.Event()
        # Listeners waiting on _changed: with none, a new frame wakes nobody and costs no Event.
        self._waiting = 0
        self.ended = False

    @property
    def last_id(self) -> int:
        return len(self._frames)

    def append(self, frame: bytes) -> int:
        """Adds the next frame (its id is its position, from 1) and wakes the listeners."""
        if self.ended:
            raise RuntimeError("the run has ended")
        self._frames.append(frame)
        self._wake()
        return len(self._frames)

    def end(self) -> None:
        self.ended = True
        self._wake()

    def _wake(self) -> None:
        if self._waiting:
            changed, self._changed = self._changed, asyncio.Event()
            changed.set()

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
        self._waiting += 1
        try:
            async with asyncio.timeout(seconds):
                await self._changed.wait()
            return True
        except TimeoutError:
            return False
        finally:
            self._waiting -= 1
