"""Sign-in with the OpenID Connect provider (docs/api.md, Sign-in): HTTP in, HTTP out.

The callback always redirects to the web client, errors included, and reads its parameters by
hand so that a missing one is never a JSON 422 (as for Google, api/google_callback.py).
"""

import logging
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from lib.auth.provider import ProviderUnavailableError
from lib.auth.sign_in import (
    PROVIDER_UNAVAILABLE,
    SESSION_UNAVAILABLE,
    current_user,
    finish_sign_in,
    is_admin,
    sign_out,
    start_sign_in,
    user_view,
)
from lib.deps import (
    BudgetDep,
    DatabaseLifecycleDep,
    OIDCProviderDep,
    SessionDep,
    SettingsDep,
)
from lib.google.sign_in import frontend_url
from lib.sessions.store import StoreUnavailableError

router = APIRouter(prefix="/api/auth")
logger = logging.getLogger(__name__)


@router.get("/login")
async def login(
    request: Request, sessions: SessionDep, provider: OIDCProviderDep, settings: SettingsDep
) -> RedirectResponse:
    session_id = sessions.session_id(request) or sessions.new_session_id()
    try:
        target = await start_sign_in(sessions, provider, settings, session_id)
    except ProviderUnavailableError:
        target = frontend_url(settings, error=PROVIDER_UNAVAILABLE)
    except StoreUnavailableError as exc:
        logger.warning("sign-in not started: %s", exc)
        target = frontend_url(settings, error=SESSION_UNAVAILABLE)
    response = RedirectResponse(target, status_code=302)
    sessions.set_cookie(response, session_id)
    return response


@router.get("/callback")
async def callback(
    request: Request,
    sessions: SessionDep,
    provider: OIDCProviderDep,
    databases: DatabaseLifecycleDep,
    budget: BudgetDep,
    settings: SettingsDep,
) -> RedirectResponse:
    result = await finish_sign_in(
        sessions=sessions,
        provider=provider,
        databases=databases,
        budget=budget,
        settings=settings,
        session_id=sessions.session_id(request),
        query=request.query_params,
    )
    if result.error is not None:
        return RedirectResponse(frontend_url(settings, error=result.error), status_code=302)
    response = RedirectResponse(f"{settings.frontend_url.rstrip('/')}/", status_code=302)
    if result.session_id is not None:
        # A new id at every sign-in (no fixation), with a fresh Max-Age.
        sessions.set_cookie(response, result.session_id)
    return response


@router.get("/me")
async def me(
    request: Request,
    sessions: SessionDep,
    provider: OIDCProviderDep,
    databases: DatabaseLifecycleDep,
    settings: SettingsDep,
) -> dict[str, Any]:
    user = await current_user(sessions, databases, sessions.session_id(request))
    return {
        "user": user_view(user),
        "login_required": settings.auth_required,
        "login_available": provider.configured,
        # Whether GET /api/usage?all=1 answers this person: the web client offers it then.
        "admin": is_admin(settings, user),
    }


@router.post("/logout", status_code=204)
async def logout(request: Request, sessions: SessionDep) -> Response:
    await sign_out(sessions, sessions.session_id(request))
    response = Response(status_code=204)
    # A new, empty session: the next request of this browser is anonymous, and new.
    sessions.set_cookie(response, sessions.new_session_id())
    return response
