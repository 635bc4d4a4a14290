"""OpenAI's id shapes, checked before an id goes into any upstream URL path.

A value like `../files` or `x/../../v1/responses` must never reach the path of a request made
with the server's key, so ids are matched whole against the characters OpenAI uses.
"""

import re

from lib.errors import BadRequest

# Letters, digits, `_` and `-` after the prefix; long enough for every id OpenAI hands out
# (container ids are over 50 characters), short enough to refuse junk at once.
_BODY = r"[A-Za-z0-9_-]{1,200}"

VECTOR_STORE_ID = re.compile(rf"vs_{_BODY}")
FILE_ID = re.compile(rf"file-{_BODY}")
CONTAINER_ID = re.compile(rf"cntr_{_BODY}")
CONTAINER_FILE_ID = re.compile(rf"cfile_{_BODY}")

_EXAMPLES = {
    VECTOR_STORE_ID: "vs_...",
    FILE_ID: "file-...",
    CONTAINER_ID: "cntr_...",
    CONTAINER_FILE_ID: "cfile_...",
}


def require_id(value: str | None, field: str, shape: re.Pattern[str]) -> str:
    """The id if it has the shape, else a 400 naming the field."""
    if value is None or not value.strip():
        raise BadRequest(f"Missing {field}")
    if shape.fullmatch(value) is None:
        raise BadRequest(
            f"{field} is not a valid id: expected {_EXAMPLES[shape]} "
            "(letters, digits, '_' and '-' only).",
        )
    return value
