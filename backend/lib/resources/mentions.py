"""The OpenAI objects an upstream stream names, found without parsing every event."""

import re
from typing import Final, Literal

Kind = Literal["vector_store", "file", "container", "container_file"]

# How the upstream names a container and its files in a stream (code_interpreter_call items,
# container_file_citation annotations), matched on the raw bytes so most events are not parsed.
# Only as the value of these keys: text the model writes is inside a JSON string, where a quote
# is always escaped, so a model told to repeat someone's id cannot make it match.
_MENTIONS: Final[tuple[tuple[Kind, re.Pattern[bytes]], ...]] = (
    ("container", re.compile(rb'"container_id"\s*:\s*"(cntr_[A-Za-z0-9_-]{1,200})"')),
    ("container_file", re.compile(rb'"file_id"\s*:\s*"(cfile_[A-Za-z0-9_-]{1,200})"')),
)

Mentions = dict[Kind, set[str]]


def mentions_in(data: bytes) -> Mentions:
    """The containers and container files an upstream event names, by kind."""
    found: Mentions = {}
    # Every mention comes with its container's id: one cheap test for all other events.
    if b"cntr_" not in data:
        return found
    for kind, pattern in _MENTIONS:
        ids = {match.decode() for match in pattern.findall(data)}
        if ids:
            found[kind] = ids
    return found
