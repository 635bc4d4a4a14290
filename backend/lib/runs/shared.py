"""Runs shared through Redis, so that `events` and `cancel` work on any worker of any machine.

- Frames go to a Redis Stream per run (bounded length); a listener elsewhere reads from the
  id it has seen (`XREAD BLOCK`). The frames of a run written at one moment are one entry, its
  id the number of the last of them, the frames one after the other in its one field (each
  starts with its `id:` line and ends with a blank line): one command per run and moment
  instead of one per frame, which cost a run most of its CPU, and one argument per command
  for redis-py to pack instead of two per frame (bench/). After the run the stream expires
  with the replay window.
- Cancels go out on a channel every worker listens to; the worker that owns the run stops it.
- While a run lives, its worker refreshes a short-lived key: a listener that sees frames stop
  and that key gone knows the worker died (a heartbeat, not a guess).

Every call is bounded by REDIS_TIMEOUT_SECONDS: a Redis that is down costs the run only its
sharing (its own listeners still get every frame from the process), never its progress.
"""

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from typing import Any, cast

import redis.asyncio as redis
from redis.exceptions import RedisError

from lib.flusher import Flusher

logger = logging.getLogger(__name__)

REDIS_TIMEOUT_SECONDS = 2.0
ALIVE_SECONDS = 5
# A run's heartbeat is refreshed at most this often: with its frames when it has some, on its
# own (beat) in silences.
BEAT_SECONDS = 1.0
CANCEL_CHANNEL = "chat:runs:cancel"
# Bounded: a run's frames are far fewer; a runaway run cannot fill Redis.
MAX_FRAMES = 20_000
# Frames wait this long for others before they go to Redis (the first and the last of a run
# do not): fewer, larger entries, for listeners on other workers only (those of the run's own
# worker read its frames in the process).
SHARE_LINGER_SECONDS = 0.02
# A listener elsewhere looks at the owner's heartbeat after this long without a frame.
QUIET_CHECK_MS = 1500


class SharedRunsUnavailableError(Exception):
    """Redis does not answer: a run of another worker cannot be reached right now."""


def _frames_key(turn_id: str) -> str:
    return f"chat:run:{turn_id}:frames"


def _alive_key(turn_id: str) -> str:
    return f"chat:run:{turn_id}:alive"


class SharedRuns:
    def __init__(self, url: str, replay_seconds: float) -> None:
        self._redis = redis.Redis.from_url(
            url,
            socket_timeout=REDIS_TIMEOUT_SECONDS,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        )
        self._replay_seconds = int(replay_seconds)
        self._listener: asyncio.Task[None] | None = None
        self._outbox: list[
            tuple[str, list[tuple[int, bytes]], bool, asyncio.Future[None] | None]
        ] = []
        # The one future of the frames not awaited one by one, until the write that takes them.
        self._outbox_done: asyncio.Future[None] | None = None
        self._flusher = Flusher(self._write_outbox, "shared frames", linger=SHARE_LINGER_SECONDS)
        self._broken: set[str] = set()
        # Until when (monotonic) each live run's heartbeat needs no refreshing.
        self._beaten_until: dict[str, float] = {}

    async def close(self) -> None:
        await self._flusher.close()
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        await self._redis.aclose()

    # --- the owning worker

    def publish_soon(
        self, turn_id: str, frames: list[tuple[int, bytes]], last: bool, urgent: bool = False
    ) -> "asyncio.Future[None]":
        """Queues the frames for the next write: the frames of every run of the moment go to
        Redis in one pipeline, not one round trip per frame. The future says when they are
        there, or why not; after a failed write a run's later frames are never written (a
        listener elsewhere must not see frames after a hole), and its heartbeat tells the rest.
        Frames neither urgent nor last share one future with every other such frame until the
        write that takes them (a future per frame was a good part of a run's cost).
        """
        if urgent or last:
            done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._outbox.append((turn_id, frames, last, done))
            self._flusher.kick(urgent=True)
            return done
        if self._outbox_done is None:
            self._outbox_done = asyncio.get_running_loop().create_future()
        self._outbox.append((turn_id, frames, last, None))
        self._flusher.kick()
        return self._outbox_done

    async def publish(self, turn_id: str, frames: list[tuple[int, bytes]], last: bool) -> None:
        """Written at once (no lingering), and waited for."""
        await self.publish_soon(turn_id, frames, last, urgent=True)

    async def _write_outbox(self) -> None:
        batch, self._outbox = self._outbox, []
        shared_done, self._outbox_done = self._outbox_done, None
        writable = []
        for entry in batch:
            turn_id, _, last, done = entry
            if turn_id in self._broken:
                if last:
                    self._broken.discard(turn_id)
                if done is not None:
                    done.set_exception(SharedRunsUnavailableError("frames no longer shared"))
                # Without a future of its own, the run heard of the failure from the write
                # that broke it.
            else:
                writable.append(entry)
        if not writable:
            if shared_done is not None:
                shared_done.set_result(None)
            return
        # One entry per run: its frames of the moment, in order.
        by_run: dict[str, list[tuple[int, bytes]]] = {}
        ended: set[str] = set()
        for turn_id, frames, last, _ in writable:
            by_run.setdefault(turn_id, []).extend(frames)
            if last:
                ended.add(turn_id)
        try:
            async with asyncio.timeout(REDIS_TIMEOUT_SECONDS):
                pipe = self._redis.pipeline(transaction=False)
                for turn_id, frames in by_run.items():
                    self._add_frames(pipe, turn_id, frames, turn_id in ended)
                await pipe.execute()
        except Exception as exc:
            for turn_id, _, last, done in writable:
                self._beaten_until.pop(turn_id, None)
                if not last:
                    self._broken.add(turn_id)
                if done is not None and not done.done():
                    done.set_exception(exc)
            if shared_done is not None:
                shared_done.set_exception(exc)
        else:
            for *_, done in writable:
                if done is not None and not done.done():
                    done.set_result(None)
            if shared_done is not None:
                shared_done.set_result(None)

    def _add_frames(
        self, pipe: Any, turn_id: str, frames: list[tuple[int, bytes]], last: bool
    ) -> None:
        key = _frames_key(turn_id)
        if frames:
            joined = b"".join([frame for _, frame in frames])
            last_number = frames[-1][0]
            pipe.xadd(
                key, {"frames": joined}, id=f"{last_number}-1", maxlen=MAX_FRAMES, approximate=True
            )
        if last:
            pipe.xadd(key, {"end": b"1"}, id=f"{frames[-1][0] if frames else 0}-2")
            pipe.expire(key, self._replay_seconds)
            pipe.delete(_alive_key(turn_id))
            self._beaten_until.pop(turn_id, None)
        elif self._beaten_until.get(turn_id, 0.0) <= time.monotonic():
            # The heartbeat rides with the frames, instead of a round trip of its own; a write
            # that fails forgets it again (and the run's frames stop being shared then).
            pipe.set(_alive_key(turn_id), b"1", ex=ALIVE_SECONDS)
            self._beaten_until[turn_id] = time.monotonic() + BEAT_SECONDS

    async def beat(self, turn_id: str) -> None:
        """The run is alive: refreshes its heartbeat, unless its frames did lately."""
        if self._beaten_until.get(turn_id, 0.0) > time.monotonic():
            return
        async with asyncio.timeout(REDIS_TIMEOUT_SECONDS):
            await self._redis.set(_alive_key(turn_id), b"1", ex=ALIVE_SECONDS)
        self._beaten_until[turn_id] = time.monotonic() + BEAT_SECONDS

    def listen_for_cancels(self, cancel: Callable[[str], None]) -> None:
        self._listener = asyncio.create_task(self._cancels(cancel))

    async def _cancels(self, cancel: Callable[[str], None]) -> None:
        while True:
            try:
                pubsub = self._redis.pubsub()
                await pubsub.subscribe(CANCEL_CHANNEL)
                async for message in pubsub.listen():
                    if message.get("type") == "message":
                        cancel(message["data"].decode())
            except (RedisError, OSError) as exc:
                logger.warning("cancel channel lost (%s); listening again shortly", exc)
                await asyncio.sleep(1.0)

    # --- any worker

    async def request_cancel(self, turn_id: str) -> None:
        try:
            async with asyncio.timeout(REDIS_TIMEOUT_SECONDS):
                await self._redis.publish(CANCEL_CHANNEL, turn_id)
        except (RedisError, OSError, TimeoutError) as exc:
            raise SharedRunsUnavailableError(str(exc)) from None

    async def known(self, turn_id: str) -> bool:
        try:
            async with asyncio.timeout(REDIS_TIMEOUT_SECONDS):
                return bool(await self._redis.exists(_frames_key(turn_id)))
        except (RedisError, OSError, TimeoutError) as exc:
            raise SharedRunsUnavailableError(str(exc)) from None

    async def follow(self, turn_id: str, after: int) -> AsyncIterator[tuple[int, bytes | None]]:
        """(number, frame) after `after`; (number, None) once the run has ended. Stops early,
        without the end marker, when the owner's heartbeat is gone: the worker died."""
        key = _frames_key(turn_id)
        # Entries after `{after}-0`: the one ending with frame `after` too (its frames are all
        # skipped), and the end marker `{after}-2` when `after` was the last frame.
        cursor = f"{after}-0"
        seen = after
        while True:
            try:
                answer = await self._redis.xread({key: cursor}, count=500, block=QUIET_CHECK_MS)
                if not answer:
                    if not await self._redis.exists(_alive_key(turn_id)):
                        return
                    continue
            except (RedisError, OSError, TimeoutError) as exc:
                raise SharedRunsUnavailableError(str(exc)) from None
            entries: list[tuple[bytes, dict[bytes, bytes]]] = cast(Any, answer)[0][1]
            for entry_id, fields in entries:
                cursor = entry_id.decode()
                if b"end" in fields:
                    yield int(cursor.split("-", 1)[0]), None
                    return
                for number, frame in _frames_of(fields):
                    if number > seen:
                        seen = number
                        yield number, frame


def _frames_of(fields: dict[bytes, bytes]) -> list[tuple[int, bytes]]:
    """The numbered frames of one entry."""
    joined = fields.get(b"frames")
    if joined is None:
        # Written by a worker of the version before, during a rolling deploy: a field per frame.
        return sorted((int(name), frame) for name, frame in fields.items())
    frames = []
    for part in joined.split(b"\n\n")[:-1]:
        # A blank line ends an SSE event, so none is inside a frame: each ends one.
        frames.append((int(part[4 : part.index(b"\n")]), part + b"\n\n"))
    return frames
