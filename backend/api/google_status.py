"""GET /api/google/status: is this browser's session connected to Google (docs/api.md)."""

from fastapi import APIRouter, Request

from lib.deps import SessionDep, SettingsDep
from lib.google.sign_in import google_connected

router = APIRouter()


@router.get("/api/google/status")
async def google_status(
    request: Request, sessions: SessionDep, settings: SettingsDep
) -> dict[str, bool]:
    connected = await google_connected(sessions, sessions.session_id(request))
    return {"connected": connected, "oauthConfigured": not settings.google_oauth_missing}
