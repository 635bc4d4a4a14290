"""The frames of a run's stream: those of POST /api/turn_response with an `id:` line, numbered
from 1 within the turn, first `turn.started` and last `turn.ended` (docs/api.md, A turn)."""

import json
from typing import Any

from lib.conversations.items import without_secrets
from lib.openai.redaction import redact_bytes, secret_forms

KEEPALIVE = b": keep-alive\n\n"


def encode(number: int, event: str, data: Any, secret: str | None = None) -> bytes:
    """One frame. Encrypted reasoning never leaves the server, and the session's Google token,
    should the upstream echo it in any form, is replaced before the frame is made."""
    body = json.dumps(
        {"event": event, "data": without_secrets(data)}, ensure_ascii=False, separators=(", ", ": ")
    )
    encoded = body.encode()
    if secret:
        encoded = redact_bytes(encoded, secret_forms(secret))
    return b"id: %d\ndata: %s\n\n" % (number, encoded)


def _mentions_secret(data: bytes, secret: str) -> bool:
    return any(form in data for form in secret_forms(secret))


def encode_raw(number: int, event: str, data: bytes, secret: str | None = None) -> bytes:
    """One frame from the upstream's own bytes when nothing in them must change; else parsed,
    cleaned and written again (encode)."""
    # Unfit to forward as it came: reasoning the browser must not see, or an echoed token (its
    # `authorization` field, or the token itself). Spelled out, not any(...) over generators:
    # this runs for every event of every run.
    needs_rewrite = b"encrypted_content" in data or b'"authorization"' in data
    if needs_rewrite or (secret is not None and _mentions_secret(data, secret)):
        return encode(number, event, json.loads(data), secret)
    return b'id: %d\ndata: {"event": "%s", "data": %s}\n\n' % (
        number,
        event.encode(),
        data,
    )


def error_data(kind: str, code: str, message: str) -> dict[str, Any]:
    """OpenAI's own shape of a mid-stream error, as the stateless route sends it too."""
    return {"type": "error", "error": {"type": kind, "code": code, "message": message}}
