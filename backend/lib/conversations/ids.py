"""Ids the API shows: a kind prefix and 128 random bits, as OpenAI's own ids look."""

import re
import secrets

CONVERSATION_PREFIX = "conv_"
MESSAGE_PREFIX = "msg_"
_ID = re.compile(r"(conv|msg)_[0-9a-f]{32}")


def new_conversation_id() -> str:
    return CONVERSATION_PREFIX + secrets.token_hex(16)


def new_message_id() -> str:
    return MESSAGE_PREFIX + secrets.token_hex(16)


def looks_like(value: str, prefix: str) -> bool:
    return value.startswith(prefix) and _ID.fullmatch(value) is not None
