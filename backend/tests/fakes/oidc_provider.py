"""A fake OpenID provider on loopback standing in for Google's sign-in.

- `GET /.well-known/openid-configuration`: discovery (authorization, token, revocation endpoints).
- `GET /authorize`: approves at once, redirecting to `redirect_uri` with `code` and `state`, so a
  browser completes the flow with no login page. `deny=True` (or `/_fake/deny`) answers
  `error=access_denied` instead.
- `POST /token`: `authorization_code` (checks client credentials, redirect URI and the PKCE S256
  verifier; a code works once) and `refresh_token` (refused once revoked or when `refuse_refresh`).
- `POST /revoke`: revokes a refresh or access token.

Run it alone with `python -m tests.fakes.oidc_provider --port 8102` (from backend/), then point
the backend at it: GOOGLE_DISCOVERY_URL=http://127.0.0.1:8102/.well-known/openid-configuration,
GOOGLE_CLIENT_ID=fake-client-id, GOOGLE_CLIENT_SECRET=fake-client-secret-for-tests.
"""

import asyncio
import base64
import hashlib
import secrets
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from tests.fakes.server import serve_standalone

CLIENT_ID = "fake-client-id"
CLIENT_SECRET = "fake-client-secret-for-tests"


@dataclass
class Grant:
    client_id: str
    redirect_uri: str
    code_challenge: str | None
    scope: str


@dataclass
class FakeOIDCProvider:
    base_url: str = ""
    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET
    # Lifetime of access tokens from a code, and from a refresh.
    expires_in: int = 3600
    refresh_expires_in: int = 3600
    refresh_delay: float = 0.0
    refuse_refresh: bool = False
    fail_token_endpoint: bool = False
    deny: bool = False
    authorize_requests: list[dict[str, str]] = field(default_factory=list)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    issued_access_tokens: list[str] = field(default_factory=list)
    issued_refresh_tokens: list[str] = field(default_factory=list)
    revoked: list[str] = field(default_factory=list)
    refreshes: int = 0
    discovery_requests: int = 0

    def __post_init__(self) -> None:
        self._codes: dict[str, Grant] = {}
        self._refresh_tokens: set[str] = set()
        self._lock = threading.Lock()
        self.app = Starlette(
            routes=[
                Route("/.well-known/openid-configuration", self.discovery),
                Route("/authorize", self.authorize),
                Route("/token", self.token, methods=["POST"]),
                Route("/revoke", self.revoke, methods=["POST"]),
                Route("/_fake/deny", self.set_deny, methods=["POST"]),
            ]
        )

    def reset(self) -> None:
        fresh = FakeOIDCProvider(base_url=self.base_url)
        for name in (
            "expires_in",
            "refresh_expires_in",
            "refresh_delay",
            "refuse_refresh",
            "fail_token_endpoint",
            "deny",
            "refreshes",
        ):
            setattr(self, name, getattr(fresh, name))
        for collection in (
            self.authorize_requests,
            self.token_requests,
            self.issued_access_tokens,
            self.issued_refresh_tokens,
            self.revoked,
        ):
            collection.clear()
        self._codes.clear()
        self._refresh_tokens.clear()

    def _base(self, request: Request) -> str:
        return self.base_url or str(request.base_url).rstrip("/")

    async def discovery(self, request: Request) -> Response:
        self.discovery_requests += 1
        base = self._base(request)
        return JSONResponse(
            {
                "issuer": base,
                "authorization_endpoint": f"{base}/authorize",
                "token_endpoint": f"{base}/token",
                "revocation_endpoint": f"{base}/revoke",
                "response_types_supported": ["code"],
                "code_challenge_methods_supported": ["S256"],
            }
        )

    async def set_deny(self, request: Request) -> Response:
        self.deny = (await request.json()).get("deny", True) is True
        return Response(status_code=204)

    async def authorize(self, request: Request) -> Response:
        params = dict(request.query_params)
        self.authorize_requests.append(params)
        redirect_uri = params.get("redirect_uri", "")
        if params.get("client_id") != self.client_id or not redirect_uri:
            return JSONResponse({"error": "invalid_request"}, status_code=400)
        answer: dict[str, str] = {}
        if self.deny:
            answer["error"] = "access_denied"
        elif params.get("code_challenge_method") != "S256" or not params.get("code_challenge"):
            answer["error"] = "invalid_request"
        else:
            code = f"code-{secrets.token_urlsafe(12)}"
            self._codes[code] = Grant(
                params["client_id"], redirect_uri, params["code_challenge"], params.get("scope", "")
            )
            answer["code"] = code
        if "state" in params:
            answer["state"] = params["state"]
        separator = "&" if "?" in redirect_uri else "?"
        return RedirectResponse(f"{redirect_uri}{separator}{urlencode(answer)}", status_code=302)

    def _client_ok(self, request: Request, form: dict[str, str]) -> bool:
        header = request.headers.get("authorization", "")
        if header.startswith("Basic "):
            client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        else:
            client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        return client_id == self.client_id and secret == self.client_secret

    def _issue(self, expires_in: int, scope: str, with_refresh: bool) -> dict[str, Any]:
        with self._lock:
            access = f"fake-access-{secrets.token_urlsafe(16)}"
            self.issued_access_tokens.append(access)
            body: dict[str, Any] = {
                "access_token": access,
                "token_type": "Bearer",
                "expires_in": expires_in,
                "scope": scope,
            }
            if with_refresh:
                refresh = f"fake-refresh-{secrets.token_urlsafe(16)}"
                self._refresh_tokens.add(refresh)
                self.issued_refresh_tokens.append(refresh)
                body["refresh_token"] = refresh
                body["id_token"] = f"fake-id-{secrets.token_urlsafe(16)}"
        return body

    async def token(self, request: Request) -> Response:
        form = {key: str(value) for key, value in (await request.form()).items()}
        self.token_requests.append(form)
        if self.fail_token_endpoint:
            return JSONResponse({"error": "server_error"}, status_code=500)
        if not self._client_ok(request, form):
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            grant = self._codes.pop(form.get("code", ""), None)
            if grant is None or grant.redirect_uri != form.get("redirect_uri"):
                return JSONResponse({"error": "invalid_grant"}, status_code=400)
            verifier = form.get("code_verifier", "")
            digest = hashlib.sha256(verifier.encode()).digest()
            challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
            if not verifier or challenge != grant.code_challenge:
                return JSONResponse(
                    {"error": "invalid_grant", "error_description": "PKCE verification failed"},
                    status_code=400,
                )
            return JSONResponse(self._issue(self.expires_in, grant.scope, with_refresh=True))
        if grant_type == "refresh_token":
            if self.refresh_delay:
                await asyncio.sleep(self.refresh_delay)
            refresh = form.get("refresh_token", "")
            if self.refuse_refresh or refresh not in self._refresh_tokens:
                return JSONResponse({"error": "invalid_grant"}, status_code=400)
            self.refreshes += 1
            # Like Google: the refresh token stays the same and is not sent again.
            return JSONResponse(self._issue(self.refresh_expires_in, "", with_refresh=False))
        return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)

    async def revoke(self, request: Request) -> Response:
        form = {key: str(value) for key, value in (await request.form()).items()}
        token = form.get("token", "")
        self.revoked.append(token)
        self._refresh_tokens.discard(token)
        return Response(status_code=200)


def main() -> None:
    serve_standalone(
        lambda base_url: FakeOIDCProvider(base_url=base_url).app, __doc__.splitlines()[0], 8102
    )


if __name__ == "__main__":
    main()
