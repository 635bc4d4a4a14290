"""Conversations and messages as the API shows them (docs/api.md, Conversations)."""

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol, TypeVar

from lib.conversations.items import without_secrets
from lib.conversations.repository import message_usage
from lib.db.models import Conversation, Message


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def summary(conversation: Conversation) -> dict[str, Any]:
    return {
        "id": conversation.id,
        "title": conversation.title,
        "created_at": iso(conversation.created_at),
        "updated_at": iso(conversation.updated_at),
    }


class Node(Protocol):
    """A message as a place in the tree: a stored row, or one a turn is adding."""

    @property
    def id(self) -> str: ...

    @property
    def parent_id(self) -> str | None: ...


N = TypeVar("N", bound=Node)


def children_of(messages: Sequence[N]) -> dict[str | None, list[N]]:
    """Each message's children, oldest first (the messages come in insertion order)."""
    children: dict[str | None, list[N]] = defaultdict(list)
    for message in messages:
        children[message.parent_id].append(message)
    return children


def active_path(messages: Sequence[N], current_message_id: str | None) -> list[N]:
    """Root to `current_message_id`, then on through the newest child at each step."""
    by_id = {message.id: message for message in messages}
    children = children_of(messages)
    current = by_id.get(current_message_id) if current_message_id else None
    if current is None:
        roots = children.get(None, [])
        if not roots:
            return []
        current = roots[-1]
    path = [current]
    while path[0].parent_id is not None and path[0].parent_id in by_id:
        path.insert(0, by_id[path[0].parent_id])
    while children.get(path[-1].id):
        path.append(children[path[-1].id][-1])
    return path


def message_fields(message: Message) -> dict[str, Any]:
    """A message as shown and exported: never the encrypted reasoning it keeps."""
    return {
        "id": message.id,
        "parent_id": message.parent_id,
        "role": message.role,
        "status": message.status,
        "items": without_secrets(message.items),
        "text": message.text,
        "model": message.model,
        "usage": message_usage(message),
        "cost_usd": message.cost_usd,
        "created_at": iso(message.created_at),
    }


def message_view(message: Message, sibling_ids: list[str]) -> dict[str, Any]:
    return {**message_fields(message), "error": message.error, "sibling_ids": sibling_ids}


def conversation_usage(messages: list[Message]) -> tuple[dict[str, int] | None, float | None]:
    """What the whole conversation used and cost, every branch included (it was all paid for)."""
    total: dict[str, int] | None = None
    cost: float | None = None
    for message in messages:
        usage = message_usage(message)
        if usage is not None:
            total = {key: (total or {}).get(key, 0) + value for key, value in usage.items()}
        if message.cost_usd is not None:
            cost = round((cost or 0.0) + message.cost_usd, 8)
    return total, cost


def conversation_view(conversation: Conversation, messages: list[Message]) -> dict[str, Any]:
    children = children_of(messages)
    path = active_path(messages, conversation.current_message_id)
    usage, cost = conversation_usage(messages)
    return {
        **summary(conversation),
        "usage": usage,
        "cost_usd": cost,
        "messages": [
            message_view(message, [sibling.id for sibling in children[message.parent_id]])
            for message in path
        ],
    }
