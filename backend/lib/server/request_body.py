"""Reading request bodies with a size cap, and validating them into 400s that name the field."""

import asyncio
import json
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.types import Message, Receive

from lib.errors import ApiError, BadRequest, PayloadTooLarge, describe_validation_errors

ModelT = TypeVar("ModelT", bound=BaseModel)

# Small JSON bodies (names and ids) never need more than this.
SMALL_BODY_BYTES = 64 * 1024
# Room around the file in an upload body: the JSON keys or multipart headers, and the file's name.
UPLOAD_ENVELOPE_BYTES = 64 * 1024


def base64_length(size: int) -> int:
    """Characters of the base64 text of `size` bytes: every 3 bytes become 4."""
    return 4 * -(-size // 3)


def upload_body_cap(max_upload_bytes: int) -> int:
    """The largest JSON upload body: the base64 of the largest file, and its envelope."""
    return base64_length(max_upload_bytes) + UPLOAD_ENVELOPE_BYTES


def too_large(limit: int) -> ApiError:
    return PayloadTooLarge(f"The request body is too large: the limit is {limit} bytes.")


def declares_more_than(content_length: str | None, limit: int) -> bool:
    """Whether a Content-Length header already says the body is over `limit` bytes."""
    return content_length is not None and content_length.isdigit() and int(content_length) > limit


# A request body must keep coming: this long without a byte, and the request ends with 408.
# (Waiting for the client to leave, after the body, is not timed: a stream listens that way.)
BODY_CHUNK_SECONDS = 30.0


class BodyTooSlowError(Exception):
    pass


def capped_receive(
    receive: Receive,
    limit: int,
    refuse: Callable[[], Exception],
    too_slow: Callable[[], Exception] | None = None,
    chunk_seconds: float = BODY_CHUNK_SECONDS,
) -> Receive:
    """`receive`, raising `refuse()` once the body passes `limit` bytes: a body without a
    Content-Length (chunked) is counted as it arrives, so it is never held whole. With
    `too_slow`, a body whose next bytes take longer than `chunk_seconds` raises that."""
    received = 0
    body_done = False

    async def capped() -> Message:
        nonlocal received, body_done
        if body_done or too_slow is None:
            message = await receive()
        else:
            try:
                async with asyncio.timeout(chunk_seconds):
                    message = await receive()
            except TimeoutError:
                raise too_slow() from None
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            body_done = not message.get("more_body", False)
            if received > limit:
                raise refuse()
        return message

    return capped


def limited_request(request: Request, limit: int) -> Request:
    """The same request, but reading past `limit` body bytes fails with 413, a declared
    Content-Length over the limit before a byte is read."""
    if declares_more_than(request.headers.get("content-length"), limit):
        raise too_large(limit)
    return Request(request.scope, capped_receive(request.receive, limit, lambda: too_large(limit)))


# JSON objects a body may hold before it is parsed at all. A parsed object costs a few hundred
# bytes for every 2 of text (`{}`), so 2 MB of them cost 100 MB and the event loop half a
# second; a real conversation of a thousand items holds far fewer than this.
MAX_JSON_OBJECTS = 50_000


async def read_json(
    request: Request, limit: int = SMALL_BODY_BYTES, max_objects: int = MAX_JSON_OBJECTS
) -> Any:
    body = await limited_request(request, limit).body()
    # Counted in C before parsing: braces inside strings count too, which only errs on the
    # cautious side for absurd bodies.
    if body.count(b"{") > max_objects:
        raise PayloadTooLarge(
            f"The request body holds more than {max_objects:,} JSON objects; send less."
        )
    if not body.strip():
        raise BadRequest("The request body is missing; send a JSON object.")
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        raise BadRequest("The request body is not valid JSON.") from None


def validate_body(model: type[ModelT], data: Any) -> ModelT:
    """`data` as `model`, or a 400 whose message names the offending field."""
    if not isinstance(data, dict):
        raise BadRequest("The request body must be a JSON object.")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = [{**error, "loc": ("body", *error["loc"])} for error in exc.errors()]
        raise BadRequest(describe_validation_errors(errors)) from None
