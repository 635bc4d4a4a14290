"""The daily token budget, with a clock the test controls, on each database and on Redis."""

from datetime import UTC, datetime, timedelta

import pytest

from lib.db.database import Database
from lib.errors import TooManyRequests
from lib.usage.budget import Budget
from lib.usage.repository import UsageRepository

OWNER = "anon_budget_owner"
USAGE = {
    "input_tokens": 150,
    "cached_tokens": 0,
    "output_tokens": 60,
    "reasoning_tokens": 0,
    "total_tokens": 210,
}


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def spend_once(database: Database, budget: Budget, owner: str, day: datetime) -> None:
    async with database.session() as session:
        await UsageRepository(session, owner).add(day.date(), "gpt-test", USAGE, None)
    await budget.spend(owner, USAGE["total_tokens"])


@pytest.mark.parametrize("shared", [False, True], ids=["database", "redis"])
async def test_a_spent_budget_refuses_until_midnight_utc(
    database: Database, redis_url: str, shared: bool
) -> None:
    clock = Clock(datetime(2026, 12, 2, 22, 30, tzinfo=UTC))
    owner = f"{OWNER}_{shared}_{database.dialect}"
    budget = Budget(200, database, redis_url if shared else None, clock)
    try:
        await budget.check(owner)  # nothing spent yet
        await spend_once(database, budget, owner, clock.now)  # this turn crosses the budget
        with pytest.raises(TooManyRequests) as refused:
            await budget.check(owner)
        assert refused.value.headers["Retry-After"] == str(90 * 60)
        assert "midnight UTC" in refused.value.message
        clock.now += timedelta(hours=2)  # the next UTC day
        await budget.check(owner)
        # Another owner was never limited by this one.
        await budget.check(owner + "_other")
    finally:
        await budget.close()


async def test_without_a_budget_nothing_is_counted_or_refused(database: Database) -> None:
    budget = Budget(None, database, None)
    await budget.check(OWNER)
