"""GET /api/usage: the owner's tokens and cost per day and model, and the totals."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from lib.deps import DatabaseDep, OwnerDep
from lib.usage.service import MAX_DAYS, usage_report

router = APIRouter()


@router.get("/api/usage")
async def get_usage(
    request: Request,
    owner: OwnerDep,
    db: DatabaseDep,
    days: Annotated[int, Query(ge=1, le=MAX_DAYS)] = 30,
) -> dict[str, Any]:
    request.app.state.db_lifecycle.require_ready()
    return await usage_report(db, owner, days)
