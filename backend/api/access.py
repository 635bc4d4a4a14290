"""POST /api/access: the web client's sign-in page trades ACCESS_TOKEN for an httpOnly cookie.

GET /api/access tells that page whether a token is needed and whether it already has access.
"""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from lib.deps import SettingsDep
from lib.errors import Unauthorized
from lib.server.access import (
    ACCESS_COOKIE_NAME,
    COOKIE_MAX_AGE_SECONDS,
    cookie_value,
    has_access,
    token_matches,
)

router = APIRouter()


class AccessRequest(BaseModel):
    token: str


@router.get("/api/access")
async def access_status(request: Request, settings: SettingsDep) -> dict[str, bool]:
    granted = has_access(
        settings.access_token,
        cookie_header=request.headers.get("cookie"),
        authorization=request.headers.get("authorization"),
    )
    return {"required": settings.access_token is not None, "granted": granted}


@router.post("/api/access")
async def sign_in(body: AccessRequest, settings: SettingsDep) -> JSONResponse:
    token = settings.access_token
    if token is None:
        return JSONResponse({"granted": True})
    if not token_matches(token, body.token):
        raise Unauthorized("That access token is not right.")
    response = JSONResponse({"granted": True})
    response.set_cookie(
        ACCESS_COOKIE_NAME,
        cookie_value(token),
        max_age=COOKIE_MAX_AGE_SECONDS,
        httponly=True,
        secure=settings.secure_cookies,
        # Lax: the cookie goes on the browser's own calls and the top-level OAuth redirect back.
        samesite="lax",
    )
    return response
