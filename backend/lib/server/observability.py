"""Every HTTP request: an id (X-Request-ID), a count by route and status, one access log line.

Pure ASGI rather than BaseHTTPMiddleware: the latter runs the response through a memory stream
and a task group, which costs a chat stream a good part of its events/s (bench/turn_stream.py).
"""

import logging
import re
import time
import uuid
from contextvars import ContextVar

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lib.server.logging_setup import REQUEST_ID
from lib.server.metrics import REQUESTS

logger = logging.getLogger("access")

# When the request began (time.monotonic()), for latencies measured from the browser's view.
REQUEST_STARTED: ContextVar[float | None] = ContextVar("request_started", default=None)

# Any token is a method to HTTP; labels must stay a small set.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# An id from the proxy in front is kept, so its logs and ours name the same request; anything
# else (too long, odd characters that could forge log fields) is replaced.
_INCOMING_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}")


def _incoming_request_id(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            text = value.decode("latin-1")
            return text if _INCOMING_ID.fullmatch(text) else None
    return None


def route_template(scope: Scope) -> str:
    """The matched route's path template; one label value for every unmatched path."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"


class ObservabilityMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.monotonic()
        request_id = _incoming_request_id(scope) or uuid.uuid4().hex
        id_token = REQUEST_ID.set(request_id)
        started_token = REQUEST_STARTED.set(started)
        header = (b"x-request-id", request_id.encode())
        status = 500  # what the client gets if the app fails before answering

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            route = route_template(scope)
            method = scope["method"] if scope["method"] in _METHODS else "other"
            REQUESTS.labels(method, route, str(status)).inc()
            # The path without its query: query strings can carry one-time codes (OAuth).
            logger.info(
                "%s %s %d %.3fs",
                scope["method"],
                scope["path"],
                status,
                time.monotonic() - started,
                extra={"route": route, "status": status, "client": _client_host(scope)},
            )
            REQUEST_STARTED.reset(started_token)
            REQUEST_ID.reset(id_token)


def _client_host(scope: Scope) -> str | None:
    client = scope.get("client")
    return client[0] if client else None
