"""Per-client limits: turns and uploads per period, and chat streams open at once.

A client is its IP address, `scope["client"]`: uvicorn and gunicorn put the X-Forwarded-For
address there only when the peer is one of FORWARDED_ALLOW_IPS (the proxy in front), so a forged
header from anyone else changes nothing, and a browser without a session cookie is limited too.

With a Redis session store (SESSION_STORE_URL=redis://...) the counts live in that Redis, shared
by every worker and machine; otherwise in this process's memory. When Redis fails, this process
counts on its own for a while (counted in rate_limiter_errors_total) and asks Redis again later:
a limiter outage must neither become a service outage nor make every request wait for Redis
(docs/api.md, Sessions: a turn without Google never needs the store to answer).
"""

import asyncio
import contextlib
import logging
import math
import os
import time
import uuid
from collections import Counter
from dataclasses import dataclass

import redis.asyncio as redis
from limits import RateLimitItem
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter

from lib.server.metrics import LIMITER_ERRORS
from lib.server.rate_limit_rules import parse_rate_limit
from lib.settings import Settings

logger = logging.getLogger(__name__)

# A stream's place in Redis is a lease its worker renews; a worker killed with SIGKILL cannot
# give its places back, so they lapse after this long instead of blocking the client for good.
_LEASE_SECONDS = 60.0
_RENEW_SECONDS = _LEASE_SECONDS / 3
# A frozen Redis must not hold a request longer than this: a healthy one answers in a millisecond.
_REDIS_TIMEOUT_SECONDS = 0.5
# After a failure, how long this process keeps its own counts before asking Redis again.
_REDIS_RETRY_SECONDS = 5.0
# What a client over the stream cap is told to wait: streams end within seconds to minutes.
STREAM_RETRY_AFTER_SECONDS = 5
_KEY_PREFIX = "chat-limits"


@dataclass(frozen=True)
class StreamLease:
    client: str
    member: str
    shared: bool  # held in Redis, or else in this process's own counts


class ClientLimits:
    """Opened and closed by the app's lifespan; the middleware (lib/server/guards.py) asks it."""

    def __init__(self, settings: Settings) -> None:
        self.turns: RateLimitItem = parse_rate_limit(settings.rate_limit_turns)
        self.uploads: RateLimitItem = parse_rate_limit(settings.rate_limit_uploads)
        self.sign_in: RateLimitItem = parse_rate_limit(settings.rate_limit_sign_in)
        self.functions: RateLimitItem = parse_rate_limit(settings.rate_limit_functions)
        self.max_streams = settings.max_streams_per_client
        self._redis_url = settings.shared_redis_url
        self._pool: redis.ConnectionPool | None = None
        self._redis: redis.Redis | None = None
        self._local_limiter = MovingWindowRateLimiter(MemoryStorage())
        self._limiter = self._local_limiter
        self._redis_down_until = 0.0
        self._local_streams: Counter[str] = Counter()
        self._leases: set[StreamLease] = set()
        self._renewer: asyncio.Task[None] | None = None

    async def open(self) -> None:
        if self._redis_url is None:
            return
        self._pool = redis.ConnectionPool.from_url(
            self._redis_url,
            socket_timeout=_REDIS_TIMEOUT_SECONDS,
            socket_connect_timeout=_REDIS_TIMEOUT_SECONDS,
        )
        self._redis = redis.Redis(connection_pool=self._pool)
        storage: Storage = RedisStorage(
            f"async+{self._redis_url}",
            implementation="redispy",
            key_prefix=_KEY_PREFIX,
            connection_pool=self._pool,  # type: ignore[arg-type]
        )
        self._limiter = MovingWindowRateLimiter(storage)
        self._renewer = asyncio.create_task(self._renew_leases())

    async def close(self) -> None:
        if self._renewer is not None:
            self._renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._renewer
        if self._pool is not None:
            await self._pool.aclose()

    def _shared(self) -> bool:
        return self._redis is not None and time.monotonic() >= self._redis_down_until

    def _redis_failed(self, what: str) -> None:
        LIMITER_ERRORS.inc()
        self._redis_down_until = time.monotonic() + _REDIS_RETRY_SECONDS
        logger.warning("%s failed; counting in this process for a while", what, exc_info=True)

    async def hit(self, item: RateLimitItem, client: str) -> int | None:
        """Count one request; the seconds to wait (Retry-After) when it is over the limit."""
        limiter = self._limiter if self._shared() else self._local_limiter
        try:
            async with asyncio.timeout(_REDIS_TIMEOUT_SECONDS):
                if await limiter.hit(item, client):
                    return None
                stats = await limiter.get_window_stats(item, client)
        except Exception:
            self._redis_failed("rate limit check")
            return await self.hit(item, client) if limiter is not self._local_limiter else None
        return max(1, math.ceil(stats.reset_time - time.time()))

    def _acquire_local(self, client: str) -> StreamLease | None:
        if self._local_streams[client] >= self.max_streams:
            return None
        self._local_streams[client] += 1
        return StreamLease(client, f"{os.getpid()}:{uuid.uuid4().hex}", shared=False)

    def _release_local(self, lease: StreamLease) -> None:
        self._local_streams[lease.client] -= 1
        if self._local_streams[lease.client] <= 0:
            del self._local_streams[lease.client]

    def _acquire_all_local(self, clients: list[str]) -> tuple[list[StreamLease], int | None]:
        leases: list[StreamLease] = []
        for index, client in enumerate(clients):
            lease = self._acquire_local(client)
            if lease is None:
                for taken in leases:
                    self._release_local(taken)
                return [], index
            leases.append(lease)
        return leases, None

    async def acquire_streams(self, clients: list[str]) -> tuple[list[StreamLease], int | None]:
        """A place among each client's open streams (an address, an owner), all in one round
        trip: the leases, or none and the index of the first client that has them all."""
        if self._redis is None or not self._shared():
            return self._acquire_all_local(clients)
        leases = [
            StreamLease(client, f"{os.getpid()}:{uuid.uuid4().hex}", shared=True)
            for client in clients
        ]
        now = time.time()
        try:
            async with asyncio.timeout(_REDIS_TIMEOUT_SECONDS):
                # Add first, then count: two workers racing may both refuse, never both admit.
                pipe = self._redis.pipeline(transaction=True)
                for lease in leases:
                    key = self._stream_key(lease.client)
                    pipe.zremrangebyscore(key, "-inf", now)
                    pipe.zadd(key, {lease.member: now + _LEASE_SECONDS})
                    pipe.zcard(key)
                    pipe.expire(key, math.ceil(_LEASE_SECONDS))
                counts = (await pipe.execute())[2::4]
                refused = next(
                    (index for index, count in enumerate(counts) if count > self.max_streams),
                    None,
                )
                if refused is not None:
                    pipe = self._redis.pipeline(transaction=False)
                    for lease in leases:
                        pipe.zrem(self._stream_key(lease.client), lease.member)
                    await pipe.execute()
                    return [], refused
        except Exception:
            self._redis_failed("stream cap check")
            return self._acquire_all_local(clients)
        self._leases.update(leases)
        return leases, None

    async def release_streams(self, leases: list[StreamLease]) -> None:
        """Gives the places back, all in one round trip."""
        shared = []
        for lease in leases:
            if not lease.shared or self._redis is None:
                self._release_local(lease)
            else:
                self._leases.discard(lease)
                shared.append(lease)
        if not shared or self._redis is None or not self._shared():
            return  # Redis is out: the leases lapse on their own within _LEASE_SECONDS
        try:
            async with asyncio.timeout(_REDIS_TIMEOUT_SECONDS):
                pipe = self._redis.pipeline(transaction=False)
                for lease in shared:
                    pipe.zrem(self._stream_key(lease.client), lease.member)
                await pipe.execute()
        except Exception:
            self._redis_failed("giving back a stream's place")

    async def _renew_leases(self) -> None:
        # One task per worker renews all its streams' leases, rather than a timer per stream.
        if self._redis is None:
            return
        while True:
            await asyncio.sleep(_RENEW_SECONDS)
            leases = list(self._leases)
            if not leases:
                continue
            expiry = time.time() + _LEASE_SECONDS
            try:
                async with asyncio.timeout(_REDIS_TIMEOUT_SECONDS):
                    pipe = self._redis.pipeline(transaction=False)
                    for lease in leases:
                        pipe.zadd(self._stream_key(lease.client), {lease.member: expiry}, xx=True)
                        pipe.expire(self._stream_key(lease.client), math.ceil(_LEASE_SECONDS))
                    await pipe.execute()
            except Exception:
                LIMITER_ERRORS.inc()
                logger.warning("could not renew stream leases", exc_info=True)

    @staticmethod
    def _stream_key(client: str) -> str:
        return f"{_KEY_PREFIX}:streams:{client}"
