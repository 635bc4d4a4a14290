"""Tokens and cost per owner, UTC day and model: what /api/usage and the budgets read.

No content is kept here, so the totals stay when the conversations they came from are deleted.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from lib.db.models import UsageDaily

USAGE_KEYS = ("input_tokens", "cached_tokens", "output_tokens", "reasoning_tokens", "total_tokens")
Usage = dict[str, int]


@dataclass(frozen=True)
class UsageRow:
    day: date
    model: str
    usage: Usage
    cost_usd: float
    turns: int


def _usage_row(row: UsageDaily) -> UsageRow:
    usage = {key: getattr(row, key) for key in USAGE_KEYS}
    return UsageRow(row.day, row.model, usage, row.cost_usd, row.turns)


class UsageRepository:
    def __init__(self, session: AsyncSession, owner: str) -> None:
        if not owner:
            raise ValueError("a repository needs an owner")
        self.session = session
        self.owner = owner

    async def add(self, day: date, model: str, usage: Usage, cost_usd: float | None) -> None:
        """One turn's usage, added to the day's row in one statement (no read-modify-write)."""
        values: dict[str, Any] = {key: int(usage.get(key, 0)) for key in USAGE_KEYS}
        values.update(cost_usd=cost_usd or 0.0, turns=1)
        await self._add_values(day, model, values)

    async def take_over(self, other_owner: str) -> None:
        """Everything counted for `other_owner` (an anonymous browser that just signed in) is
        added to this owner's days and models, and gone from the other's."""
        table = UsageDaily.__table__.c
        counted = [*USAGE_KEYS, "cost_usd", "turns"]
        # Deleted and read in one statement: a turn of the other owner that ends meanwhile
        # is either taken over whole or left whole, never lost in between.
        taken = await self.session.execute(
            delete(UsageDaily)
            .where(UsageDaily.owner == other_owner)
            .returning(table.day, table.model, *(table[key] for key in counted))
        )
        for row in taken.mappings().all():
            await self._add_values(row["day"], row["model"], {key: row[key] for key in counted})

    async def _add_values(self, day: date, model: str, values: dict[str, Any]) -> None:
        insert = (sqlite_insert if self.session.get_bind().dialect.name == "sqlite" else pg_insert)(
            UsageDaily
        ).values(owner=self.owner, day=day, model=model, **values)
        table = UsageDaily.__table__.c
        statement = insert.on_conflict_do_update(
            index_elements=["owner", "day", "model"],
            set_={key: table[key] + insert.excluded[key] for key in values},
        )
        await self.session.execute(statement)

    async def by_day(self, since: date) -> list[UsageRow]:
        query = (
            select(UsageDaily)
            .where(UsageDaily.owner == self.owner, UsageDaily.day >= since)
            .order_by(UsageDaily.day, UsageDaily.model)
        )
        return [_usage_row(row) for row in await self.session.scalars(query)]

    async def tokens_on(self, day: date) -> int:
        query = select(func.coalesce(func.sum(UsageDaily.total_tokens), 0)).where(
            UsageDaily.owner == self.owner, UsageDaily.day == day
        )
        return int((await self.session.execute(query)).scalar_one())


async def everyones_usage(session: AsyncSession, since: date) -> list[tuple[str, UsageRow]]:
    """(owner, row) for every owner: what admins see (GET /api/usage?all=1), and nothing else
    may read usage across owners."""
    query = (
        select(UsageDaily)
        .where(UsageDaily.day >= since)
        .order_by(UsageDaily.owner, UsageDaily.day, UsageDaily.model)
    )
    return [(row.owner, _usage_row(row)) for row in await session.scalars(query)]
