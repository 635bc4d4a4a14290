"""POST /api/google/disconnect: revoke the session's Google grant and forget its tokens."""

from fastapi import APIRouter, Request

from lib.deps import GoogleOAuthDep, SessionDep
from lib.google.sign_in import disconnect_google

router = APIRouter()


@router.post("/api/google/disconnect")
async def google_disconnect(
    request: Request, sessions: SessionDep, oauth: GoogleOAuthDep
) -> dict[str, bool]:
    await disconnect_google(sessions, oauth, sessions.session_id(request))
    return {"connected": False}
