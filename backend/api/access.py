"""POST /api/access: the web client's sign-in page trades ACCESS_TOKEN for an httpOnly cookie.

GET /api/access tells that page whether a token is needed and whether it already has access.
"""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from lib.access import (
    COOKIE_MAX_AGE_SECONDS,
    COOKIE_NAME,
    cookie_matches,
    cookie_value,
    token_matches,
)
from lib.deps import SettingsDep
from lib.errors import ApiError

router = APIRouter()


class AccessRequest(BaseModel):
    token: str


@router.get("/api/access")
async def access_status(request: Request, settings: SettingsDep) -> dict[str, bool]:
    token = settings.access_token
    offered = request.cookies.get(COOKIE_NAME)
    granted = token is None or (offered is not None and cookie_matches(token, offered))
    return {"required": token is not None, "granted": granted}


@router.post("/api/access")
async def sign_in(body: AccessRequest, settings: SettingsDep) -> JSONResponse:
    token = settings.access_token
    if token is None:
        return JSONResponse({"granted": True})
    if not token_matches(token, body.token):
        raise ApiError(401, "That access token is not right.")
    response = JSONResponse({"granted": True})
    response.set_cookie(
        COOKIE_NAME,
        cookie_value(token),
        max_age=COOKIE_MAX_AGE_SECONDS,
        httponly=True,
        secure=settings.node_env == "production",
        # Lax: the cookie goes on the browser's own calls and the top-level OAuth redirect back.
        samesite="lax",
    )
    return response
