"""Export a conversation (JSON: the whole tree; Markdown: the active path) and import our JSON.

The JSON format is versioned. It never holds encrypted reasoning content: that is the
upstream's, for the upstream only. An import gets new ids and keeps the same tree.
"""

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from lib.conversations.views import active_path, iso, message_fields
from lib.db.models import Conversation, Message

EXPORT_FORMAT = "responses-chat.conversation"
EXPORT_VERSION = 1
MAX_IMPORT_BYTES = 10 * 1024 * 1024
MAX_IMPORT_MESSAGES = 10_000
STATUSES = ("completed", "incomplete", "cancelled", "failed", "streaming")


def export_json(conversation: Conversation, messages: list[Message]) -> dict[str, Any]:
    return {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": iso(datetime.now(UTC)),
        "conversation": {
            "title": conversation.title,
            "created_at": iso(conversation.created_at),
            "updated_at": iso(conversation.updated_at),
            "current_message_id": conversation.current_message_id,
        },
        "messages": [message_fields(message) for message in messages],
    }


def export_markdown(conversation: Conversation, messages: list[Message]) -> str:
    lines = [f"# {conversation.title or 'Conversation'}", ""]
    for message in active_path(messages, conversation.current_message_id):
        who = "You" if message.role == "user" else "Assistant"
        note = (
            ""
            if message.status == "completed" or message.role == "user"
            else f" ({message.status})"
        )
        lines += [f"## {who}{note}", "", message.text or "_(no text)_", ""]
    return "\n".join(lines)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="ignore")


class ImportedUsage(_Strict):
    input_tokens: int = Field(ge=0)
    cached_tokens: int = Field(ge=0)
    output_tokens: int = Field(ge=0)
    reasoning_tokens: int = Field(ge=0)
    total_tokens: int = Field(ge=0)


class ImportedMessage(_Strict):
    id: str = Field(min_length=1, max_length=200)
    parent_id: str | None
    role: Literal["user", "assistant"]
    status: Literal["completed", "incomplete", "cancelled", "failed", "streaming"]
    items: list[dict[str, Any]]
    text: str
    model: str | None = Field(default=None, max_length=100)
    usage: ImportedUsage | None = None
    cost_usd: float | None = Field(default=None, ge=0)
    created_at: datetime


class ImportedConversation(_Strict):
    title: str = Field(max_length=200)
    created_at: datetime
    updated_at: datetime
    current_message_id: str | None = None


class ConversationExport(_Strict):
    format: Literal["responses-chat.conversation"]
    version: Literal[1]
    conversation: ImportedConversation
    messages: list[ImportedMessage]
