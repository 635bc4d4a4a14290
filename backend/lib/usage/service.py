"""What happens to a finished turn's usage: metrics, the owner's daily totals, the budget."""

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from lib.db.database import Database
from lib.server.metrics import TOKENS
from lib.usage.budget import Budget
from lib.usage.repository import USAGE_KEYS, Usage, UsageRepository, UsageRow, everyones_usage

MAX_DAYS = 366

# (session, owner ids) -> {owner id: what to show of its user}; anonymous owners are left out.
OwnerDescriber = Callable[[AsyncSession, list[str]], Awaitable[dict[str, dict[str, Any]]]]


def count_in_metrics(model: str, usage: Usage) -> None:
    for key in USAGE_KEYS:
        TOKENS.labels(model, key.removesuffix("_tokens")).inc(usage.get(key, 0))


async def record_stateless(
    db: Database, budget: Budget, owner: str | None, model: str, usage: Usage, cost: float | None
) -> None:
    """A stateless turn's usage: no message to store it on, but the totals and budget count."""
    count_in_metrics(model, usage)
    if owner is None:
        return
    async with db.session() as session:
        await UsageRepository(session, owner).add(datetime.now(UTC).date(), model, usage, cost)
    await budget.spend(owner, usage.get("total_tokens", 0))


async def usage_report(db: Database, owner: str, days: int) -> dict[str, Any]:
    """Tokens and cost per UTC day and model over the last `days` days, and the totals."""
    since = _since(days)
    async with db.session() as session:
        rows = await UsageRepository(session, owner).by_day(since)
    return {"since": since.isoformat(), "days": days, **_summed(rows)}


async def everyones_usage_report(
    db: Database, days: int, describe_owner: OwnerDescriber
) -> dict[str, Any]:
    """What an admin sees: the same report summed over every owner, plus each owner's totals
    (with who they are, for a user) from the most to the least tokens."""
    since = _since(days)
    async with db.session() as session:
        rows = await everyones_usage(session, since)
        by_owner: dict[str, list[UsageRow]] = {}
        for owner, row in rows:
            by_owner.setdefault(owner, []).append(row)
        described = await describe_owner(session, list(by_owner))
    merged: dict[tuple[date, str], UsageRow] = {}
    for _, row in rows:
        key = (row.day, row.model)
        seen = merged.get(key)
        merged[key] = row if seen is None else _add_rows(seen, row)
    owners = [
        {"owner": owner, "user": described.get(owner), "totals": _summed(owned)["totals"]}
        for owner, owned in by_owner.items()
    ]
    owners.sort(key=lambda entry: (-entry["totals"]["total_tokens"], entry["owner"]))
    report = _summed(sorted(merged.values(), key=lambda row: (row.day, row.model)))
    return {"since": since.isoformat(), "days": days, **report, "owners": owners}


def _since(days: int) -> date:
    return datetime.now(UTC).date() - timedelta(days=days - 1)


def _add_rows(one: UsageRow, other: UsageRow) -> UsageRow:
    usage = {key: one.usage[key] + other.usage[key] for key in USAGE_KEYS}
    return UsageRow(
        one.day, one.model, usage, one.cost_usd + other.cost_usd, one.turns + other.turns
    )


def _summed(rows: list[UsageRow]) -> dict[str, Any]:
    totals: dict[str, Any] = {key: 0 for key in USAGE_KEYS}
    totals.update(cost_usd=0.0, turns=0)
    data = []
    for row in rows:
        data.append(
            {
                "day": row.day.isoformat(),
                "model": row.model,
                **row.usage,
                "cost_usd": round(row.cost_usd, 8),
                "turns": row.turns,
            }
        )
        for key in USAGE_KEYS:
            totals[key] += row.usage[key]
        totals["cost_usd"] += row.cost_usd
        totals["turns"] += row.turns
    totals["cost_usd"] = round(totals["cost_usd"], 8)
    return {"data": data, "totals": totals}
