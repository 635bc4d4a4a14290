"""What stops a request before its route: body size, the access token, per-client limits.

Pure ASGI middleware (never BaseHTTPMiddleware, which slows every stream down); each answers
with the contract's `{"error": "..."}` body (docs/api.md, Errors in general).
"""

import asyncio
import ipaddress
import re
import time
from collections.abc import Callable

import anyio
from limits import RateLimitItem
from pydantic import SecretStr
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from lib.auth.guard import SignInRequiredMiddleware
from lib.conversations.transfer import MAX_IMPORT_BYTES
from lib.errors import error_response
from lib.owners.owner import existing_owner
from lib.server.access import bearer_matches, has_access
from lib.server.client_limits import STREAM_RETRY_AFTER_SECONDS, ClientLimits, StreamLease
from lib.server.cross_site import CrossSiteGuard
from lib.server.metrics import LIMITER_ERRORS, REJECTED
from lib.server.request_body import (
    BODY_CHUNK_SECONDS,
    capped_receive,
    declares_more_than,
    upload_body_cap,
)
from lib.sessions.sessions import Sessions
from lib.settings import Settings

TURN_PATH = "/api/turn_response"
# A turn of a server-kept conversation counts like a stateless one, for the rate and the streams.
CONVERSATION_TURN_PATH = re.compile(r"/api/conversations/[^/]+/turns")
UPLOAD_PATH = "/api/vector_stores/upload_file"
ACCESS_PATH = "/api/access"
FUNCTIONS_PREFIX = "/api/functions/"
GOOGLE_AUTH_PATH = "/api/google/auth"
SIGN_IN_PATH = "/api/auth/login"
# An export of a long conversation is larger than any other body (docs/api.md, import).
IMPORT_PATH = "/api/conversations/import"
METRICS_PATH = "/metrics"
# A healthy session store answers in a millisecond; one that does not is left alone a while.
OWNER_LOOKUP_SECONDS = 0.25
OWNER_LOOKUP_PAUSE_SECONDS = 5.0
# Open without the access token: load balancers, the providers' redirects back (Google's, the
# sign-in's: each finishes only what a browser with access started), and signing in itself.
PUBLIC_API_PATHS = frozenset(
    {"/api/health", "/api/google/callback", "/api/auth/callback", "/api/access"}
)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


async def _refuse(
    scope: Scope,
    receive: Receive,
    send: Send,
    status: int,
    message: str,
    reason: str,
    headers: dict[str, str] | None = None,
) -> None:
    REJECTED.labels(reason).inc()
    await error_response(status, message, headers)(scope, receive, send)


class _BodyTooLargeError(HTTPException):
    """Raised from receive(): FastAPI lets an HTTPException through its body parsing, and the
    app's handler turns it into the JSON 413."""


class BodySizeLimitMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        default_cap: int,
        caps: dict[str, int],
        chunk_seconds: float = BODY_CHUNK_SECONDS,
    ) -> None:
        self.app = app
        self.default_cap = default_cap
        self.caps = caps
        self.chunk_seconds = chunk_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        cap = self.caps.get(scope["path"], self.default_cap)
        message = f"The request body is larger than this route accepts ({cap} bytes)."
        if declares_more_than(_header(scope, b"content-length"), cap):
            await _refuse(scope, receive, send, 413, message, "body_too_large")
            return

        def refuse() -> Exception:
            REJECTED.labels("body_too_large").inc()
            return _BodyTooLargeError(413, message)

        def too_slow() -> Exception:
            REJECTED.labels("body_too_slow").inc()
            return _BodyTooLargeError(408, "The request body arrived too slowly; send it again.")

        receive = capped_receive(receive, cap, refuse, too_slow, self.chunk_seconds)
        await self.app(scope, receive, send)


class AccessTokenMiddleware:
    """ACCESS_TOKEN for /api/* (bar PUBLIC_API_PATHS); METRICS_TOKEN, else ACCESS_TOKEN, for
    /metrics. Nothing is checked while neither is set."""

    def __init__(
        self, app: ASGIApp, access_token: SecretStr | None, metrics_token: SecretStr | None
    ) -> None:
        self.app = app
        self.access_token = access_token
        self.metrics_token = metrics_token or access_token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if path == METRICS_PATH:
            token = self.metrics_token
            allowed = token is None or bearer_matches(token, _header(scope, b"authorization"))
        elif path.startswith("/api/") and path not in PUBLIC_API_PATHS:
            allowed = has_access(
                self.access_token,
                cookie_header=_header(scope, b"cookie"),
                authorization=_header(scope, b"authorization"),
            )
        else:
            allowed = True
        if allowed:
            await self.app(scope, receive, send)
            return
        await _refuse(
            scope,
            receive,
            send,
            401,
            "This service needs an access token: sign in, or send it as a bearer token.",
            "access_token",
            {"WWW-Authenticate": "Bearer"},
        )


# What a trusted proxy's X-Forwarded-For said when it was not an address: all such requests
# share one bucket, so garbage cannot be varied to get a fresh budget each time.
NOT_AN_ADDRESS = "not-an-address"


def client_address(scope: Scope) -> str:
    """The client as the limits see it (lib/server/client_limits.py explains why the IP address).

    An IPv6 client counts by its /64: one host gets a whole /64 and could otherwise take a new
    budget with every address in it.
    """
    client = scope.get("client")
    if not client:
        return "unknown"
    try:
        address = ipaddress.ip_address(str(client[0]))
    except ValueError:
        return NOT_AN_ADDRESS
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


class ClientLimitsMiddleware:
    """Rate limits on turns and uploads, and the cap on a client's open streams."""

    def __init__(self, app: ASGIApp, limits: ClientLimits) -> None:
        self.app = app
        self.limits = limits
        self.owner_of = _OwnerLookup()
        # path -> (the method that counts, its limit); the sign-in paths share one budget.
        self.rules = {
            UPLOAD_PATH: ("POST", limits.uploads),
            ACCESS_PATH: ("POST", limits.sign_in),
            GOOGLE_AUTH_PATH: ("GET", limits.sign_in),
            SIGN_IN_PATH: ("GET", limits.sign_in),
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope["path"] if scope["type"] == "http" else ""
        is_turn = path == TURN_PATH or CONVERSATION_TURN_PATH.fullmatch(path) is not None
        item: RateLimitItem | None
        if is_turn:
            method, item = "POST", self.limits.turns
        elif path.startswith(FUNCTIONS_PREFIX):
            method, item = "GET", self.limits.functions
        else:
            method, item = self.rules.get(path, ("", None))
        if item is None or scope["method"] != method:
            await self.app(scope, receive, send)
            return
        # Counted per address, and per owner as well when the browser has a session: an owner
        # on many addresses gets no more than one, and one address is still one budget.
        subjects = [(client_address(scope), "your address")]
        owner = await self.owner_of(scope)
        if owner is not None:
            subjects.append((f"owner:{owner}", "your session"))
        leases: list[StreamLease] = []
        try:
            if is_turn:
                # The cap first: a turn refused for it does not use up the client's rate budget.
                leases, refused = await self.limits.acquire_streams([s for s, _ in subjects])
                if refused is not None:
                    await _refuse(
                        scope,
                        receive,
                        send,
                        429,
                        f"Too many answers are streaming to {subjects[refused][1]} at once; "
                        "wait for one to finish.",
                        "stream_cap",
                        {"Retry-After": str(STREAM_RETRY_AFTER_SECONDS)},
                    )
                    return
            # Both counted at once, in one round trip's time rather than two: under load each
            # wait on Redis is a turn of a busy event loop (bench/many_runs.py, fan-out). So a
            # request refused for one of them still counts for the other.
            waits = await asyncio.gather(*(self.limits.hit(item, key) for key, _ in subjects))
            for (_, words), retry_after in zip(subjects, waits, strict=True):
                if retry_after is not None:
                    await _refuse(
                        scope,
                        receive,
                        send,
                        429,
                        f"Too many requests from {words}; try again in {retry_after} s.",
                        "rate_limit",
                        {"Retry-After": str(retry_after)},
                    )
                    return
            # `send` goes through unwrapped: a wrapper would cost every frame of the stream.
            await self.app(scope, receive, send)
        finally:
            if leases:
                # Shielded: a cancelled request (shutdown) must still give its places back.
                with anyio.CancelScope(shield=True):
                    await self.limits.release_streams(leases)


class _OwnerLookup:
    """The owner of a request's session, for the limits; never makes a session.

    A turn must not wait on a session store that does not answer (docs/api.md, Sessions): a
    lookup gets a short while, and after one that failed the limits count per address alone
    for a few seconds instead of asking again with every request.
    """

    def __init__(self) -> None:
        self._off_until = 0.0

    async def __call__(self, scope: Scope) -> str | None:
        sessions: Sessions | None = getattr(scope["app"].state, "sessions", None)
        if sessions is None or time.monotonic() < self._off_until:
            return None
        try:
            async with asyncio.timeout(OWNER_LOOKUP_SECONDS):
                return await existing_owner(Request(scope), sessions)
        except TimeoutError:
            LIMITER_ERRORS.inc()
            self._off_until = time.monotonic() + OWNER_LOOKUP_PAUSE_SECONDS
            return None


def install_guards(add: Callable[..., None], settings: Settings, limits: ClientLimits) -> None:
    """Add the guards, innermost first; `add` is app.add_middleware."""
    add(ClientLimitsMiddleware, limits=limits)
    add(CrossSiteGuard, origins=[*settings.cors_origins, settings.frontend_url])
    if settings.auth_required:
        # Inside the access token's guard: a browser without it hears about that first.
        add(SignInRequiredMiddleware, access_token=settings.access_token)
    add(
        AccessTokenMiddleware,
        access_token=settings.access_token,
        metrics_token=settings.metrics_token,
    )
    add(
        BodySizeLimitMiddleware,
        default_cap=settings.max_request_bytes,
        chunk_seconds=settings.body_read_timeout_seconds,
        caps={
            TURN_PATH: settings.max_turn_bytes,
            UPLOAD_PATH: upload_body_cap(settings.max_upload_bytes),
            IMPORT_PATH: MAX_IMPORT_BYTES,
        },
    )
