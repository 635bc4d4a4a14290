"""GET /api/google/callback: Google sends the browser back here (docs/api.md, Google OAuth).

Every outcome is a redirect to the web client, errors included (docs/api.md, Sessions): the
parameters are read by hand so that a missing one is never a JSON 422.
"""

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from lib.deps import GoogleOAuthDep, SessionDep, SettingsDep
from lib.google.sign_in import finish_sign_in, frontend_url

router = APIRouter()


@router.get("/api/google/callback")
async def google_callback(
    request: Request, sessions: SessionDep, oauth: GoogleOAuthDep, settings: SettingsDep
) -> RedirectResponse:
    session_id = sessions.session_id(request)
    error, new_session_id = await finish_sign_in(sessions, oauth, session_id, request.query_params)
    target = frontend_url(settings, error=error) if error else frontend_url(settings, connected="1")
    response = RedirectResponse(target, status_code=302)
    if new_session_id is not None:
        # A new id at every sign-in (no fixation), with a fresh Max-Age.
        sessions.set_cookie(response, new_session_id)
    return response
