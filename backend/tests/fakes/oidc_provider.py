"""A fake OpenID provider on loopback standing in for Google's sign-in and for the OpenID
Connect provider of a team's sign-in (Keycloak, Okta, Entra ID...).

- `GET /.well-known/openid-configuration`: discovery (issuer, authorization, token, revocation
  endpoints, `jwks_uri`, RS256).
- `GET /jwks`: the public half of its RSA signing key (`rotate_key()` makes a new one).
- `GET /authorize`: approves at once as `identity` (sub, email, name...), redirecting to
  `redirect_uri` with `code` and `state`, so a browser completes the flow with no login page.
  `deny=True` (or `/_fake/deny`) answers `error=access_denied` instead. With `login_page`
  (FAKE_OIDC_LOGIN_PAGE=1 when run alone) it first shows a page with a "Continue as <name>"
  button, as a real provider's sign-in page would, for the browser tests to click through.
- `POST /token`: `authorization_code` (checks client credentials, redirect URI and the PKCE S256
  verifier; a code works once; the answer carries an ID token signed with its key, with the
  nonce of the authorization request) and `refresh_token` (refused once revoked or when
  `refuse_refresh`). `id_token_fault` mints a bad ID token on purpose: see ID_TOKEN_FAULTS.
- `POST /revoke`: revokes a refresh or access token.

Run it alone with `python -m tests.fakes.oidc_provider --port 8102` (from backend/), then point
the backend at it: GOOGLE_DISCOVERY_URL=http://127.0.0.1:8102/.well-known/openid-configuration,
GOOGLE_CLIENT_ID=fake-client-id, GOOGLE_CLIENT_SECRET=fake-client-secret-for-tests.
"""

import asyncio
import base64
import dataclasses
import hashlib
import html
import json
import os
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from joserfc import jwt
from joserfc.jwk import OctKey, RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from tests.fakes.server import serve_standalone

CLIENT_ID = "fake-client-id"
CLIENT_SECRET = "fake-client-secret-for-tests"
DEFAULT_IDENTITY: dict[str, Any] = {
    "sub": "fake-subject-1",
    "email": "someone@example.com",
    "email_verified": True,
    "name": "Some One",
}
# The bad ID tokens it can mint: each breaks one check a relying party must make.
ID_TOKEN_FAULTS = (
    "bad_signature",  # signed with another RSA key under the real key's id
    "wrong_audience",  # aud is another client
    "expired",  # exp an hour ago
    "wrong_nonce",  # not the nonce of the authorization request
    "no_nonce",  # no nonce at all
    "wrong_issuer",  # iss is another provider
    "alg_none",  # unsigned (alg "none")
    "hs256",  # signed with the client secret (HS256) instead of the provider's key
    "missing",  # no id_token in the token answer
)
# Keys are slow to make (an RSA key takes a good part of a second): one for everyone of this
# process, another for forgeries.
_KEY_SIZE = 2048


def _rsa_key(kid: str) -> RSAKey:
    return RSAKey.generate_key(_KEY_SIZE, parameters={"kid": kid, "use": "sig", "alg": "RS256"})


_SIGNING_KEY = _rsa_key("fake-key-1")
_FORGER_KEY = _rsa_key("fake-key-1")  # the same id as the real one, other key material


@dataclass
class Grant:
    client_id: str
    redirect_uri: str
    code_challenge: str | None
    scope: str
    nonce: str | None = None
    identity: dict[str, Any] = field(default_factory=dict)


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
    login_page: bool = False
    # Who signs in at the next authorization request.
    identity: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_IDENTITY))
    id_token_fault: str | None = None
    authorize_requests: list[dict[str, str]] = field(default_factory=list)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    issued_access_tokens: list[str] = field(default_factory=list)
    issued_refresh_tokens: list[str] = field(default_factory=list)
    issued_id_tokens: list[str] = field(default_factory=list)
    jwks_requests: int = 0
    revoked: list[str] = field(default_factory=list)
    refreshes: int = 0
    discovery_requests: int = 0

    def __post_init__(self) -> None:
        self._codes: dict[str, Grant] = {}
        self._refresh_tokens: set[str] = set()
        self._lock = threading.Lock()
        self.signing_key = _SIGNING_KEY
        self.app = Starlette(
            routes=[
                Route("/.well-known/openid-configuration", self.discovery),
                Route("/jwks", self.jwks),
                Route("/authorize", self.authorize),
                Route("/token", self.token, methods=["POST"]),
                Route("/revoke", self.revoke, methods=["POST"]),
                Route("/_fake/deny", self.set_deny, methods=["POST"]),
            ]
        )

    def reset(self) -> None:
        # Not a new instance: that would make a new key, which the backends have not fetched.
        defaults = {f.name: f for f in dataclasses.fields(self)}
        for name in (
            "expires_in",
            "refresh_expires_in",
            "refresh_delay",
            "refuse_refresh",
            "fail_token_endpoint",
            "deny",
            "refreshes",
            "identity",
            "id_token_fault",
        ):
            default = defaults[name]
            factory = default.default_factory
            value = factory() if factory is not dataclasses.MISSING else default.default
            setattr(self, name, value)
        for collection in (
            self.authorize_requests,
            self.token_requests,
            self.issued_access_tokens,
            self.issued_refresh_tokens,
            self.issued_id_tokens,
            self.revoked,
        ):
            collection.clear()
        self._codes.clear()
        self._refresh_tokens.clear()

    def rotate_key(self) -> None:
        """A new signing key under a new id, as providers rotate theirs; the old one is gone."""
        self.signing_key = _rsa_key(f"fake-key-{secrets.token_hex(4)}")

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
                "jwks_uri": f"{base}/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
            }
        )

    async def jwks(self, request: Request) -> Response:
        self.jwks_requests += 1
        return JSONResponse({"keys": [self.signing_key.as_dict(private=False)]})

    def id_token(self, request: Request, grant: Grant) -> str | None:
        """The ID token of a code grant, made bad in the way `id_token_fault` says."""
        fault = self.id_token_fault
        if fault == "missing":
            return None
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self._base(request),
            "aud": grant.client_id,
            "iat": now,
            "exp": now + 300,
            **grant.identity,
        }
        if grant.nonce is not None:
            claims["nonce"] = grant.nonce
        if fault == "wrong_audience":
            claims["aud"] = "another-client"
        elif fault == "expired":
            claims["iat"], claims["exp"] = now - 7200, now - 3600
        elif fault == "wrong_nonce":
            claims["nonce"] = "not-the-nonce-that-was-sent"
        elif fault == "no_nonce":
            claims.pop("nonce", None)
        elif fault == "wrong_issuer":
            claims["iss"] = "https://another-provider.example"
        key: Any = self.signing_key
        header: dict[str, Any] = {"alg": "RS256", "kid": self.signing_key.kid}
        if fault == "bad_signature":
            key = _FORGER_KEY
        elif fault == "hs256":
            key, header = OctKey.import_key(self.client_secret), {"alg": "HS256"}
        elif fault == "alg_none":
            # Built by hand: a JOSE library will not make one.
            def part(value: dict[str, Any]) -> str:
                raw = json.dumps(value, separators=(",", ":")).encode()
                return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

            return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."
        algorithms = [header["alg"]]
        token: str = jwt.encode(header, claims, key, algorithms=algorithms)
        return token

    async def set_deny(self, request: Request) -> Response:
        self.deny = (await request.json()).get("deny", True) is True
        return Response(status_code=204)

    async def authorize(self, request: Request) -> Response:
        params = dict(request.query_params)
        self.authorize_requests.append(params)
        redirect_uri = params.get("redirect_uri", "")
        if params.get("client_id") != self.client_id or not redirect_uri:
            return JSONResponse({"error": "invalid_request"}, status_code=400)
        if self.login_page and params.pop("approved", None) != "1":
            return self._login_page(params)
        answer: dict[str, str] = {}
        if self.deny:
            answer["error"] = "access_denied"
        elif params.get("code_challenge_method") != "S256" or not params.get("code_challenge"):
            answer["error"] = "invalid_request"
        else:
            code = f"code-{secrets.token_urlsafe(12)}"
            self._codes[code] = Grant(
                params["client_id"],
                redirect_uri,
                params["code_challenge"],
                params.get("scope", ""),
                nonce=params.get("nonce"),
                identity=dict(self.identity),
            )
            answer["code"] = code
        if "state" in params:
            answer["state"] = params["state"]
        separator = "&" if "?" in redirect_uri else "?"
        return RedirectResponse(f"{redirect_uri}{separator}{urlencode(answer)}", status_code=302)

    def _login_page(self, params: dict[str, str]) -> Response:
        name = html.escape(str(self.identity.get("name", "someone")))
        fields = "".join(
            f'<input type="hidden" name="{html.escape(key)}" value="{html.escape(value)}">'
            for key, value in params.items()
        )
        page = (
            "<!doctype html><title>Fake ID: sign in</title><h1>Sign in to Fake ID</h1>"
            f'<form method="get" action="/authorize">{fields}'
            '<input type="hidden" name="approved" value="1">'
            f"<button>Continue as {name}</button></form>"
        )
        return HTMLResponse(page)

    def _client_ok(self, request: Request, form: dict[str, str]) -> bool:
        header = request.headers.get("authorization", "")
        if header.startswith("Basic "):
            client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        else:
            client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        return client_id == self.client_id and secret == self.client_secret

    def _issue(
        self, expires_in: int, scope: str, with_refresh: bool, id_token: str | None = None
    ) -> dict[str, Any]:
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
            if id_token is not None:
                body["id_token"] = id_token
                self.issued_id_tokens.append(id_token)
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
            id_token = self.id_token(request, grant) if "openid" in grant.scope.split() else None
            return JSONResponse(
                self._issue(self.expires_in, grant.scope, with_refresh=True, id_token=id_token)
            )
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
        lambda base_url: (
            FakeOIDCProvider(
                base_url=base_url, login_page=os.environ.get("FAKE_OIDC_LOGIN_PAGE") == "1"
            ).app
        ),
        __doc__.splitlines()[0],
        8102,
    )


if __name__ == "__main__":
    main()
