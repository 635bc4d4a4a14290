"""GET /api/usage: the owner's tokens and cost per day and model, and the totals; with `all=1`,
everyone's, for ADMIN_EMAILS."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from lib.auth.sign_in import current_user, is_admin
from lib.auth.users import describe_owners
from lib.deps import DatabaseDep, DatabaseLifecycleDep, OwnerDep, SessionDep, SettingsDep
from lib.errors import Forbidden
from lib.usage.service import MAX_DAYS, everyones_usage_report, usage_report

router = APIRouter()

ADMINS_ONLY = "Only admins (ADMIN_EMAILS) may see everyone's usage; sign in as one."


@router.get("/api/usage")
async def get_usage(
    request: Request,
    owner: OwnerDep,
    db: DatabaseDep,
    databases: DatabaseLifecycleDep,
    sessions: SessionDep,
    settings: SettingsDep,
    days: Annotated[int, Query(ge=1, le=MAX_DAYS)] = 30,
    everyone: Annotated[bool, Query(alias="all")] = False,
) -> dict[str, Any]:
    databases.require_ready()
    if everyone:
        user = await current_user(sessions, databases, sessions.session_id(request))
        if not is_admin(settings, user):
            raise Forbidden(ADMINS_ONLY)
        return await everyones_usage_report(db, days, describe_owners)
    return await usage_report(db, owner, days)
