"""The process's one AsyncOpenAI client, and what OpenAI's failures mean for our callers."""

import aiohttp
import httpx2
import openai
from openai import AsyncOpenAI, DefaultAioHttpClient

from lib.errors import ApiError, GatewayTimeout, TooManyRequests, UpstreamFailed
from lib.settings import Settings

KEY_REJECTED = "OpenAI rejected the server's API key; check OPENAI_API_KEY."


def create_openai_client(settings: Settings) -> AsyncOpenAI | None:
    """The shared client, or None while OPENAI_API_KEY is unset (the service still starts).

    It runs on the SDK's aiohttp transport: its C parser relays a stream at about twice the
    events/s of the default pure-Python one, and adds half the first-byte latency (bench/).
    Its one cost: when a connection is reset, bytes that arrived in the same read as the reset
    are dropped, so a broken stream may lose its last events before the final error frame.
    """
    if settings.openai_api_key is None:
        return None
    http_client = DefaultAioHttpClient(
        timeout=httpx2.Timeout(settings.openai_timeout, connect=settings.openai_connect_timeout),
        limits=httpx2.Limits(
            max_connections=settings.openai_max_connections,
            max_keepalive_connections=min(settings.openai_max_connections, 200),
        ),
    )
    return AsyncOpenAI(
        api_key=settings.openai_api_key.get_secret_value(),
        base_url=settings.openai_base_url,
        max_retries=settings.openai_max_retries,
        http_client=http_client,
    )


def timed_out(exc: BaseException) -> bool:
    """Whether a failed call to OpenAI was a timeout rather than a broken connection.

    The aiohttp transport reports every broken connection (refused, or a pooled one the server
    had closed) as a connect *timeout*; the cause chain still holds aiohttp's own error, which
    tells the two apart.
    """
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, aiohttp.ClientConnectionError):
            return isinstance(cause, aiohttp.ServerTimeoutError)
        cause = cause.__cause__ or cause.__context__
    return isinstance(exc, (openai.APITimeoutError, httpx2.TimeoutException))


def _upstream_message(exc: openai.APIStatusError) -> str:
    body = exc.body
    if isinstance(body, dict) and isinstance(body.get("message"), str) and body["message"]:
        return str(body["message"])
    return f"OpenAI answered with status {exc.status_code}."


# Statuses that describe the client's own request, so they pass through as they are.
_CLIENT_STATUSES = frozenset({400, 404, 409, 413, 415, 422})


# The request fields that come from the model's entry in the catalog, not from the caller.
_MODEL_SETTINGS = ("reasoning", "include", "store")


def _refused_model_setting(exc: openai.APIStatusError) -> bool:
    body = exc.body
    param = body.get("param") if isinstance(body, dict) else None
    return isinstance(param, str) and param.split(".", 1)[0].split("[", 1)[0] in _MODEL_SETTINGS


def upstream_error_kind(exc: openai.OpenAIError) -> str:
    """A few fixed words for the upstream_errors_total metric."""
    if isinstance(exc, openai.APITimeoutError) and timed_out(exc):
        return "timeout"
    if isinstance(exc, openai.APIConnectionError):
        return "connection"
    if isinstance(exc, openai.APIStatusError):
        return f"status_{exc.status_code}"
    return "other"


def api_error_from_openai(exc: openai.OpenAIError, *, redact: str | None = None) -> ApiError:
    """The status and message our client gets for a failed OpenAI call.

    Errors of the caller's request keep their status and OpenAI's words; a rejected server key
    is our fault, not the caller's (502, and never OpenAI's text, which quotes part of the key).
    """
    if isinstance(exc, openai.APITimeoutError) and timed_out(exc):
        return GatewayTimeout("OpenAI did not answer in time; try again.")
    if isinstance(exc, openai.APIConnectionError):  # the timeout error is one too
        return UpstreamFailed("Could not reach OpenAI; try again shortly.")
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        if status in (401, 403):
            return UpstreamFailed(KEY_REJECTED)
        message = _upstream_message(exc)
        if redact:
            message = message.replace(redact, "[redacted]")
        if status == 429:
            retry_after = exc.response.headers.get("retry-after")
            headers = {"Retry-After": retry_after} if retry_after else None
            return TooManyRequests(message, headers)
        if status == 400 and _refused_model_setting(exc):
            param = str(exc.body.get("param")) if isinstance(exc.body, dict) else "reasoning"
            message = (
                f"{message} (The model server refused `{param}`, which this service sends for "
                "reasoning models: for a server that is not OpenAI, set `reasoning_params: false` "
                "for the model in MODELS_FILE, or leave OPENAI_STORE unset.)"
            )
        if status in _CLIENT_STATUSES:
            return ApiError(status, message)
        return UpstreamFailed(f"OpenAI failed ({status}): {message}")
    return UpstreamFailed("The call to OpenAI failed.")
