"""Expected failures carry their HTTP status; one set of handlers turns every error into the
contract's JSON body `{"error": "..."}` (docs/api.md, Errors in general)."""

import logging
from collections.abc import Mapping, Sequence
from typing import Any, cast

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

logger = logging.getLogger(__name__)


class ApiError(Exception):
    """A failure the client should hear about, with the status and words to tell it."""

    def __init__(
        self, status_code: int, message: str, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message
        self.headers = dict(headers or {})


class _NamedError(ApiError):
    """An ApiError whose status is its name, so a raise reads as what went wrong."""

    status: int = 500

    def __init__(self, message: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(self.status, message, headers)


class BadRequest(_NamedError):
    status = 400


class Unauthorized(_NamedError):
    status = 401


class Forbidden(_NamedError):
    """Known, but not allowed to: a signed-in person asking for what only admins may see."""

    status = 403


class NotFound(_NamedError):
    """Also what another owner's id answers: exactly like one that never existed."""

    status = 404


class Conflict(_NamedError):
    status = 409


class Gone(_NamedError):
    status = 410


class PayloadTooLarge(_NamedError):
    status = 413


class UnsupportedMediaType(_NamedError):
    status = 415


class TooManyRequests(_NamedError):
    status = 429


class InternalError(_NamedError):
    """Kept only where the contract itself names a 500 (get_joke's failure)."""

    status = 500


class UpstreamFailed(_NamedError):
    """A service behind us (OpenAI, Google, the weather services) failed or refused us."""

    status = 502


class ServiceUnavailable(_NamedError):
    """Something this service needs is not configured or not reachable right now."""

    status = 503


class GatewayTimeout(_NamedError):
    status = 504


def error_response(
    status_code: int, message: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status_code, headers=headers)


def _field_name(location: Sequence[Any]) -> str:
    # ("body", "toolsState", "mcpConfig", "server_url") -> "toolsState.mcpConfig.server_url"
    parts = [str(part) for part in location[1:] if part != "body"] if location else []
    return ".".join(parts) or "request body"


def describe_validation_errors(errors: Sequence[Any]) -> str:
    """One readable sentence for pydantic's list of errors, naming the fields.

    Every invalid request is a 400 with such a sentence, whether the body is not JSON or a field
    does not fit (docs/api.md, Errors).
    """
    for error in errors:
        if error.get("type") == "json_invalid":
            return "The request body is not valid JSON."
    described = []
    for error in errors[:5]:
        location = error.get("loc", ())
        message = str(error.get("msg", "is invalid")).removeprefix("Value error, ")
        if location and location[0] == "body" and len(location) == 1:
            if error.get("type") == "missing":
                described.append("The request body is missing; send a JSON object.")
            elif error.get("type") in ("model_type", "dict_type", "model_attributes_type"):
                described.append("The request body must be a JSON object.")
            else:
                # A rule of the body as a whole (a model validator): its own words.
                described.append(message)
            continue
        described.append(f"{_field_name(location)}: {message}")
    return "Invalid request: " + "; ".join(described)


async def _api_error(_: Request, exc: Exception) -> JSONResponse:
    exc = cast(ApiError, exc)
    return error_response(exc.status_code, exc.message, exc.headers)


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    exc = cast(RequestValidationError, exc)
    return error_response(400, describe_validation_errors(list(exc.errors())))


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    exc = cast(HTTPException, exc)
    return error_response(exc.status_code, str(exc.detail), exc.headers)


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    # A bug: log it with its traceback for us, and tell the client nothing it could misuse.
    logger.exception("Unhandled error on %s %s", request.method, request.url.path)
    return error_response(500, "Internal server error")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)
