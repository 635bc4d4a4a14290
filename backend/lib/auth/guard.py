"""AUTH_REQUIRED: every /api/* route but a few answers 401 to a request without a signed-in user.

Pure ASGI middleware, like the other guards (lib/server/guards.py), so that no route can forget
it. Scripts keep using ACCESS_TOKEN as a bearer token (docs/deploy.md, Sign-in); what a script
reads and writes is then its own anonymous owner's, as without sign-in.
"""

from pydantic import SecretStr
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Receive, Scope, Send

from lib.errors import error_response
from lib.server.access import bearer_matches
from lib.server.metrics import REJECTED
from lib.sessions.sessions import Sessions
from lib.sessions.store import StoreUnavailableError

# Open to everyone: load balancers, signing in itself (and the access token's sign-in page,
# which may come first), and Google's redirect back.
OPEN_PATHS = frozenset({"/api/health", "/api/access", "/api/google/callback"})
OPEN_PREFIX = "/api/auth/"
SIGN_IN_NEEDED = "Sign in to use this service."
STORE_DOWN = "Your session cannot be read right now (the session store does not answer); try again."


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


class SignInRequiredMiddleware:
    def __init__(self, app: ASGIApp, access_token: SecretStr | None) -> None:
        self.app = app
        self.access_token = access_token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope["path"] if scope["type"] == "http" else ""
        if (
            not path.startswith("/api/")
            or path in OPEN_PATHS
            or path.startswith(OPEN_PREFIX)
            or scope["method"] == "OPTIONS"
        ):
            await self.app(scope, receive, send)
            return
        token = self.access_token
        if token is not None and bearer_matches(token, _header(scope, b"authorization")):
            await self.app(scope, receive, send)
            return
        # Made by the lifespan, which has run before any request comes.
        sessions: Sessions = scope["app"].state.sessions
        cookie = cookie_parser(_header(scope, b"cookie") or "").get(sessions.cookie_name)
        session_id = sessions.unsign(cookie)
        try:
            signed_in = session_id is not None and await sessions.user_of(session_id) is not None
        except StoreUnavailableError:
            REJECTED.labels("session_store").inc()
            await error_response(503, STORE_DOWN)(scope, receive, send)
            return
        if signed_in:
            await self.app(scope, receive, send)
            return
        REJECTED.labels("sign_in_required").inc()
        await error_response(401, SIGN_IN_NEEDED)(scope, receive, send)
