"""TOKEN_BUDGET_DAILY: the tokens one owner may use per UTC day.

A turn that starts with the budget spent is refused before any upstream call, with the time
the budget resets; a turn that crosses it finishes. With Redis the count is shared by every
worker and machine (INCRBY on a key per owner and day); without it the database's daily
usage is the count.
"""

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

import redis.asyncio as redis
from redis.exceptions import RedisError

from lib.db.database import Database
from lib.errors import TooManyRequests
from lib.usage.repository import UsageRepository

logger = logging.getLogger(__name__)

REDIS_TIMEOUT_SECONDS = 2.0
# A day's key outlives the day by one, for a clock a little behind.
KEY_SECONDS = 2 * 24 * 3600

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class Budget:
    def __init__(
        self,
        limit: int | None,
        db: Database,
        redis_url: str | None,
        clock: Clock = utc_now,
    ) -> None:
        self.limit = limit
        self._db = db
        self._clock = clock
        self._redis = (
            redis.Redis.from_url(
                redis_url,
                socket_timeout=REDIS_TIMEOUT_SECONDS,
                socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            )
            if redis_url and limit is not None
            else None
        )

    async def close(self) -> None:
        if self._redis is not None:
            await self._redis.aclose()

    @staticmethod
    def _key(owner: str, day: date) -> str:
        return f"chat:budget:{owner}:{day.isoformat()}"

    async def used(self, owner: str) -> int:
        day = self._clock().date()
        if self._redis is not None:
            try:
                async with asyncio.timeout(REDIS_TIMEOUT_SECONDS):
                    value = await self._redis.get(self._key(owner, day))
                return int(value or 0)
            except (RedisError, OSError, TimeoutError) as exc:
                logger.warning("budget: Redis unavailable (%s); counting from the database", exc)
        async with self._db.session() as session:
            return await UsageRepository(session, owner).tokens_on(day)

    async def check(self, owner: str) -> None:
        """Raises 429 when the owner's budget for today is spent."""
        if self.limit is None:
            return
        if await self.used(owner) < self.limit:
            return
        now = self._clock()
        resets = datetime.combine(now.date() + timedelta(days=1), time(0), tzinfo=UTC)
        seconds = max(1, int((resets - now).total_seconds()))
        hours, minutes = seconds // 3600, seconds % 3600 // 60
        raise TooManyRequests(
            f"Today's token budget ({self.limit:,} tokens) is spent; it resets at midnight UTC "
            f"({resets.strftime('%Y-%m-%d %H:%M')} UTC), in {hours} h {minutes} min.",
            {"Retry-After": str(seconds)},
        )

    async def move(self, from_owner: str, to_owner: str) -> None:
        """Today's count of an anonymous browser joins its user's at sign-in (the database's
        usage moves in the sign-in's transaction); without Redis there is nothing to move."""
        if self._redis is None:
            return
        day = self._clock().date()
        try:
            async with asyncio.timeout(REDIS_TIMEOUT_SECONDS):
                pipe = self._redis.pipeline(transaction=True)
                pipe.get(self._key(from_owner, day))
                pipe.delete(self._key(from_owner, day))
                value, _ = await pipe.execute()
                if value:
                    await self.spend(to_owner, int(value))
        except (RedisError, OSError, TimeoutError, ValueError) as exc:
            logger.warning("budget: could not move today's count at sign-in (%s)", exc)

    async def spend(self, owner: str, tokens: int) -> None:
        """Counts a finished turn's tokens (the database counts them with its daily usage)."""
        if self._redis is None or tokens <= 0:
            return
        key = self._key(owner, self._clock().date())
        try:
            async with asyncio.timeout(REDIS_TIMEOUT_SECONDS):
                pipe = self._redis.pipeline(transaction=True)
                pipe.incrby(key, tokens)
                pipe.expire(key, KEY_SECONDS)
                await pipe.execute()
        except (RedisError, OSError, TimeoutError) as exc:
            logger.warning("budget: could not count %d tokens (%s)", tokens, exc)
