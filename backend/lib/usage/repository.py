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
# What a day's row adds up.
COUNTED = (*USAGE_KEYS, "cost_usd", "turns")


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
        await add_usage_rows(self.session, [turn_usage(self.owner, day, model, usage, cost_usd)])

    async def take_over(self, other_owner: str) -> None:
        """Everything counted for `other_owner` (an anonymous browser that just signed in) is
        added to this owner's days and models, and gone from the other's."""
        table = UsageDaily.__table__.c
        # Deleted and read in one statement: a turn of the other owner that ends meanwhile
        # is either taken over whole or left whole, never lost in between.
        taken = await self.session.execute(
            delete(UsageDaily)
            .where(UsageDaily.owner == other_owner)
            .returning(table.day, table.model, *(table[key] for key in COUNTED))
        )
        await add_usage_rows(
            self.session, [{**row, "owner": self.owner} for row in taken.mappings()]
        )

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


def turn_usage(
    owner: str, day: date, model: str, usage: Usage, cost_usd: float | None
) -> dict[str, Any]:
    """One turn's row for add_usage_rows."""
    row: dict[str, Any] = {key: int(usage.get(key, 0)) for key in USAGE_KEYS}
    return {
        **row,
        "owner": owner,
        "day": day,
        "model": model,
        "cost_usd": cost_usd or 0.0,
        "turns": 1,
    }


def _upsert(dialect: str) -> Any:
    """INSERT of a day's row, or its counts added to the row already there (no read first)."""
    insert = (sqlite_insert if dialect == "sqlite" else pg_insert)(UsageDaily)
    table = UsageDaily.__table__.c
    return insert.on_conflict_do_update(
        index_elements=["owner", "day", "model"],
        set_={key: table[key] + insert.excluded[key] for key in COUNTED},
    )


_UPSERTS = {dialect: _upsert(dialect) for dialect in ("sqlite", "postgresql")}


async def add_usage_rows(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Adds each row's counts (owner, day, model and every COUNTED key) to its day: one
    statement for all of them. Rows of one (owner, day, model) are summed first, as one
    statement may not touch a row twice."""
    summed: dict[tuple[str, date, str], dict[str, Any]] = {}
    for row in rows:
        key = (row["owner"], row["day"], row["model"])
        into = summed.get(key)
        if into is None:
            summed[key] = {**dict.fromkeys(COUNTED, 0), **row}
        else:
            for counted in COUNTED:
                into[counted] += row.get(counted, 0)
    if summed:
        dialect = session.get_bind().dialect.name
        await session.execute(_UPSERTS[dialect], list(summed.values()))


async def everyones_usage(session: AsyncSession, since: date) -> list[tuple[str, UsageRow]]:
    """(owner, row) for every owner: what admins see (GET /api/usage?all=1), and nothing else
    may read usage across owners."""
    query = (
        select(UsageDaily)
        .where(UsageDaily.day >= since)
        .order_by(UsageDaily.owner, UsageDaily.day, UsageDaily.model)
    )
    return [(row.owner, _usage_row(row)) for row in await session.scalars(query)]
