"""Keyset paging of conversations: newest first by (updated_at, id), never OFFSET."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, or_

from lib.db.models import Conversation


@dataclass(frozen=True)
class PageKey:
    """Where a page of the list ends: the (updated_at, id) of its last conversation."""

    updated_at: datetime
    id: str


NEWEST_FIRST: tuple[Any, ...] = (Conversation.updated_at.desc(), Conversation.id.desc())


def after(key: PageKey) -> ColumnElement[bool]:
    """The conversations that come after `key` in the list (older, or as old with a lower id)."""
    return or_(
        Conversation.updated_at < key.updated_at,
        and_(Conversation.updated_at == key.updated_at, Conversation.id < key.id),
    )


def before(key: PageKey) -> ColumnElement[bool]:
    """The conversations that come before `key` in the list."""
    return or_(
        Conversation.updated_at > key.updated_at,
        and_(Conversation.updated_at == key.updated_at, Conversation.id > key.id),
    )
