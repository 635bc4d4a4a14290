"""Vector stores and file uploads (docs/api.md, Vector stores and files).

Each call returns OpenAI's JSON body as it came, so the client sees every field OpenAI sends,
including ones this SDK version does not know yet.
"""

import base64
import binascii
import json
from collections.abc import Awaitable
from typing import IO, Any, Final, Literal

import openai
from openai import AsyncOpenAI
from pydantic import BaseModel, ConfigDict, StrictStr
from starlette.datastructures import UploadFile
from starlette.requests import Request

from lib.errors import BadRequest, UnsupportedMediaType, UpstreamFailed
from lib.filenames import MAX_FILENAME_CHARS, has_hidden_characters, last_segment
from lib.openai.client import api_error_from_openai
from lib.server.request_body import (
    UPLOAD_ENVELOPE_BYTES,
    base64_length,
    limited_request,
    read_json,
    too_large,
    upload_body_cap,
    validate_body,
)

UPLOAD_PURPOSE: Final[Literal["assistants"]] = "assistants"
# OpenAI's own limit on vector store names.
MAX_NAME_CHARS = 256


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore")


class CreateStoreBody(_Body):
    name: StrictStr


class AddFileBody(_Body):
    vectorStoreId: StrictStr
    fileId: StrictStr


class FileObject(_Body):
    name: StrictStr
    content: StrictStr


class UploadBody(_Body):
    fileObject: FileObject


async def _raw_json(call: Awaitable[Any]) -> bytes:
    """The body of a `with_raw_response` call, or its failure as an ApiError."""
    try:
        raw = await call
    except openai.OpenAIError as exc:
        raise api_error_from_openai(exc) from None
    content: bytes = raw.http_response.content
    return content


def _store_name(name: str) -> str:
    if not name.strip():
        raise BadRequest("name: give the vector store a name.")
    if len(name) > MAX_NAME_CHARS:
        raise BadRequest(f"name: at most {MAX_NAME_CHARS} characters.")
    return name


def clean_filename(name: str, field: str) -> str:
    """The name OpenAI will keep: the last path segment, with no control characters.

    Browsers send bare names, so a directory part (`../../etc/passwd`, `C:\\fakepath\\a.txt`)
    only ever comes from a hand-made request; dropping it keeps the name the user recognises.
    """
    # Checked on the whole name: a control character marks the request as forged, whatever
    # segment it sits in.
    if has_hidden_characters(name):
        raise BadRequest(f"{field}: the file name contains control characters.")
    base = last_segment(name)
    if base is None:
        raise BadRequest(f"{field}: the file needs a name.")
    if len(base) > MAX_FILENAME_CHARS:
        raise BadRequest(f"{field}: the file name is over {MAX_FILENAME_CHARS} characters.")
    return base


def decode_base64(text: str, field: str, limit: int) -> bytes:
    """Strict base64: no whitespace, no stray characters, correct padding."""
    # Checked first so that an oversize upload is refused before it is decoded.
    if len(text) > base64_length(limit):
        raise too_large(limit)
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise BadRequest(f"{field}: not valid base64.") from None
    if len(data) > limit:
        raise too_large(limit)
    if not data:
        raise BadRequest(f"{field}: the file is empty.")
    return data


async def create_store(client: AsyncOpenAI, request: Request) -> bytes:
    body = validate_body(CreateStoreBody, await read_json(request))
    return await _raw_json(
        client.vector_stores.with_raw_response.create(name=_store_name(body.name))
    )


def created_id(body: bytes) -> str:
    """The id of the object OpenAI just made, from its JSON body."""
    try:
        created = json.loads(body)
    except ValueError:
        created = None
    object_id = created.get("id") if isinstance(created, dict) else None
    if not isinstance(object_id, str) or not object_id:
        raise UpstreamFailed("OpenAI answered without the id of what it made.")
    return object_id


async def retrieve_store(client: AsyncOpenAI, store_id: str) -> bytes:
    return await _raw_json(client.vector_stores.with_raw_response.retrieve(store_id))


async def list_files(client: AsyncOpenAI, store_id: str) -> bytes:
    return await _raw_json(client.vector_stores.files.with_raw_response.list(store_id))


async def read_add_file(request: Request) -> AddFileBody:
    return validate_body(AddFileBody, await read_json(request))


async def add_file(client: AsyncOpenAI, store_id: str, file_id: str) -> bytes:
    return await _raw_json(
        client.vector_stores.files.with_raw_response.create(store_id, file_id=file_id)
    )


async def _create_file(client: AsyncOpenAI, filename: str, content: bytes | IO[bytes]) -> bytes:
    return await _raw_json(
        client.files.with_raw_response.create(file=(filename, content), purpose=UPLOAD_PURPOSE)
    )


async def upload_file(client: AsyncOpenAI, request: Request, limit: int) -> bytes:
    """Upload one file as JSON `{"fileObject": {name, content}}` or multipart field `file`."""
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type == "multipart/form-data":
        return await _upload_multipart(client, request, limit)
    if content_type not in ("", "application/json") and not content_type.endswith("+json"):
        raise UnsupportedMediaType(
            'Send the file as JSON {"fileObject": {"name", "content"}} '
            "or as multipart/form-data with the field 'file'.",
        )
    # The whole JSON body is base64 text, a third larger than the file itself.
    data = await read_json(request, upload_body_cap(limit))
    body = validate_body(UploadBody, data)
    del data
    filename = clean_filename(body.fileObject.name, "fileObject.name")
    content = decode_base64(body.fileObject.content, "fileObject.content", limit)
    del body
    return await _create_file(client, filename, content)


async def _upload_multipart(client: AsyncOpenAI, request: Request, limit: int) -> bytes:
    capped = limited_request(request, limit + UPLOAD_ENVELOPE_BYTES)
    # Starlette spools the part to a temporary file past 1 MiB, and the SDK streams that file
    # to OpenAI in chunks: the upload is never held twice in memory.
    async with capped.form(max_files=1, max_fields=8) as form:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise BadRequest("file: send the file in the multipart field 'file'.")
        if upload.size is not None and upload.size > limit:
            raise too_large(limit)
        if not upload.size:
            raise BadRequest("file: the file is empty.")
        filename = clean_filename(upload.filename or "", "file")
        return await _create_file(client, filename, upload.file)
