"""Requests another website makes a browser send: refused before they reach a route.

A page on any site can make the browser POST to a backend on localhost or an intranet, cookies
included, as long as the body is a "simple" one (text/plain, a form, multipart). So:

- a JSON route takes only a JSON body (415 otherwise): a simple body cannot be sent cross-site
  as application/json without a CORS preflight, which CORS_ORIGINS decides;
- a state-changing request that carries a cookie must come from an allowed origin when the
  browser names one (403 otherwise): this covers the multipart upload too. Requests without a
  cookie or without an `Origin` (scripts, curl) are not what this defends against.
"""

from urllib.parse import urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

from lib.errors import error_response
from lib.server.metrics import REJECTED

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
JSON_TYPES = ("application/json",)
# Routes whose body may be something other than JSON.
NOT_JSON = frozenset({"/api/vector_stores/upload_file"})


def allowed_origins(configured: list[str]) -> frozenset[str]:
    """The configured origins, each also under the other name of the loopback host, since a
    person may type either localhost or 127.0.0.1."""
    names = {"localhost": "127.0.0.1", "127.0.0.1": "localhost"}
    origins = set()
    for origin in configured:
        origin = origin.rstrip("/")
        origins.add(origin)
        parts = urlsplit(origin)
        if parts.hostname in names:
            port = f":{parts.port}" if parts.port else ""
            origins.add(f"{parts.scheme}://{names[parts.hostname]}{port}")
    return frozenset(origins)


def _headers(scope: Scope) -> dict[bytes, bytes]:
    return {key: value for key, value in scope["headers"]}


class CrossSiteGuard:
    def __init__(self, app: ASGIApp, origins: list[str]) -> None:
        self.app = app
        self.origins = allowed_origins(origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in STATE_CHANGING
            or not scope["path"].startswith("/api/")
        ):
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        origin = headers.get(b"origin")
        if (
            b"cookie" in headers
            and origin is not None
            and origin.decode("latin-1") not in self.origins
        ):
            REJECTED.labels("cross_site").inc()
            response = error_response(
                403, "This request came from a page of another site; it was refused."
            )
            await response(scope, receive, send)
            return
        has_body = headers.get(b"content-length", b"0") != b"0" or b"transfer-encoding" in headers
        if has_body and scope["path"] not in NOT_JSON:
            media_type = headers.get(b"content-type", b"").split(b";", 1)[0].strip().lower()
            kind = media_type.decode("latin-1")
            if kind not in JSON_TYPES and not kind.endswith("+json"):
                REJECTED.labels("not_json").inc()
                response = error_response(
                    415, "Send the body as JSON (Content-Type: application/json)."
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
