"""GET /api/google/auth: start connecting Google (docs/api.md, Google OAuth)."""

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from lib.deps import GoogleOAuthDep, SessionDep, SettingsDep
from lib.google.sign_in import start_sign_in

router = APIRouter()


@router.get("/api/google/auth")
async def google_auth(
    request: Request, sessions: SessionDep, oauth: GoogleOAuthDep, settings: SettingsDep
) -> RedirectResponse:
    session_id = sessions.session_id(request) or sessions.new_session_id()
    url = await start_sign_in(sessions, oauth, settings, session_id)
    response = RedirectResponse(url, status_code=302)
    sessions.set_cookie(response, session_id)
    return response
