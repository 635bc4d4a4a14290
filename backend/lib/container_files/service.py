"""Downloads of files the code interpreter made (docs/api.md, Code interpreter files).

The body is streamed through as it arrives. The browser shows these files both as download links
and as `<img>` previews, so the headers are built to make neither a way to run script on our
origin: the name cannot break out of Content-Disposition, `inline` is given only to bytes that
really are a raster image, and `nosniff` stops the browser from guessing anything else.
"""

from collections.abc import AsyncIterator
from typing import Any, cast
from urllib.parse import quote

import openai
from openai import AsyncOpenAI
from openai._constants import OVERRIDE_CAST_TO_HEADER, RAW_RESPONSE_HEADER
from openai._legacy_response import HttpxBinaryResponseContent
from openai._response import AsyncStreamedBinaryAPIResponse
from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from lib.errors import ApiError, UpstreamFailed
from lib.filenames import MAX_FILENAME_CHARS, last_segment, without_hidden_characters
from lib.openai.client import api_error_from_openai

# Magic numbers of the image types a browser renders without running anything; SVG and HTML
# can carry script, so they never get `inline`.
_RASTER_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)
# Bytes needed to recognise every type above, WebP (`RIFF....WEBP`) included.
_SNIFF_BYTES = 12
# RFC 5987 attr-char, less the ALPHA / DIGIT that quote() keeps anyway.
_ATTR_CHARS = "!#$&+-.^_`|~"

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    # Defence in depth: even if a browser did render a download, it could run nothing.
    "Content-Security-Policy": "default-src 'none'; sandbox",
}


def raster_image_type(head: bytes) -> str | None:
    """The image type the first bytes prove, or None."""
    for signature, media_type in _RASTER_SIGNATURES:
        if head.startswith(signature):
            return media_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def content_disposition(kind: str, filename: str | None, fallback: str) -> str:
    """`kind; filename="ascii"; filename*=UTF-8''percent-encoded` (RFC 6266 and RFC 5987).

    Control characters are dropped, so CR/LF can never end the header, and the quoted ASCII
    form has no quote, backslash or percent sign to escape from or be decoded by a browser.
    """
    name = (last_segment(without_hidden_characters(filename or "")) or fallback).strip()
    name = name[:MAX_FILENAME_CHARS]
    ascii_name = "".join(c if " " <= c <= "~" and c not in '"\\%' else "_" for c in name)
    encoded = quote(name, safe=_ATTR_CHARS, encoding="utf-8")
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{encoded}"


def _download_error(exc: openai.OpenAIError) -> ApiError:
    error = api_error_from_openai(exc)
    if error.status_code in (404, 504):
        return error
    # Anything else is not the caller's to fix: a bad gateway, in the caller's terms.
    return UpstreamFailed(
        error.message if error.status_code == 502 else f"OpenAI failed: {error.message}"
    )


async def _open_upstream(
    client: AsyncOpenAI, file_id: str, container_id: str | None
) -> AsyncStreamedBinaryAPIResponse:
    if container_id is not None:
        request = client.containers.files.content.with_streaming_response.retrieve(
            file_id, container_id=container_id
        )
        return await request.__aenter__()
    # The SDK has no call for /container-files/{id}/content: the same streamed request by hand.
    headers: dict[str, Any] = {
        "Accept": "application/binary",
        RAW_RESPONSE_HEADER: "stream",
        OVERRIDE_CAST_TO_HEADER: AsyncStreamedBinaryAPIResponse,
    }
    response = await client.get(
        f"/container-files/{file_id}/content",
        cast_to=HttpxBinaryResponseContent,
        options={"headers": headers},
    )
    return cast(AsyncStreamedBinaryAPIResponse, response)


class ContainerFileResponse(StreamingResponse):
    """The streamed download; it owns the upstream response and always closes it."""

    def __init__(
        self,
        upstream: AsyncStreamedBinaryAPIResponse,
        head: bytes,
        rest: AsyncIterator[bytes],
        *,
        media_type: str,
        disposition: str,
    ) -> None:
        self._upstream = upstream

        async def body() -> AsyncIterator[bytes]:
            if head:
                yield head
            async for chunk in rest:
                yield chunk

        headers = {"Content-Disposition": disposition, **SECURITY_HEADERS}
        super().__init__(body(), media_type=media_type, headers=headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            await self._upstream.close()


async def download_container_file(
    client: AsyncOpenAI,
    *,
    file_id: str,
    container_id: str | None,
    filename: str | None,
    inline: bool,
) -> ContainerFileResponse:
    """The file, once the route has checked its ids' shapes and their owner."""
    try:
        upstream = await _open_upstream(client, file_id, container_id)
    except openai.OpenAIError as exc:
        raise _download_error(exc) from None
    chunks = upstream.iter_bytes()
    head = b""
    media_type = upstream.headers.get("content-type") or "application/octet-stream"
    kind = "attachment"
    if inline:
        # Only a preview waits for the first bytes: the type comes from them, not from a label.
        try:
            async for chunk in chunks:
                head += chunk
                if len(head) >= _SNIFF_BYTES:
                    break
        except BaseException:
            await upstream.close()
            raise
        if (image_type := raster_image_type(head)) is not None:
            kind, media_type = "inline", image_type
    return ContainerFileResponse(
        upstream,
        head,
        chunks,
        media_type=media_type,
        disposition=content_disposition(kind, filename, file_id),
    )
