"""What happens to a finished turn's usage: metrics, the owner's daily totals, the budget."""

from datetime import UTC, datetime, timedelta
from typing import Any

from lib.db.database import Database
from lib.server.metrics import TOKENS
from lib.usage.budget import Budget
from lib.usage.repository import USAGE_KEYS, Usage, UsageRepository

MAX_DAYS = 366


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
    since = datetime.now(UTC).date() - timedelta(days=days - 1)
    async with db.session() as session:
        rows = await UsageRepository(session, owner).by_day(since)
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
    return {"since": since.isoformat(), "days": days, "data": data, "totals": totals}
