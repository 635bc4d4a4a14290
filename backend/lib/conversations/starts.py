"""Turns starting at one moment, stored together: one transaction for all of them.

A turn's start reads its conversation and messages, then adds the user message and the answer
(lib/conversations/turns.py says what it stores). Done one transaction per turn, a hundred
turns starting together are a hundred transactions of five statements each, and on SQLite's
one connection each waits for all before it. Here the starts waiting at one moment share one
transaction: the conversations and their messages are read with one statement each, every
start is checked on its own (a start that is refused fails alone, and two starts of one
conversation still conflict), and the new rows go out with one statement of each kind. Each
caller still waits until its own start is stored, and hears of its failure.

Core statements and plain rows, not the ORM: loading every message of a hundred conversations
as ORM objects, and flushing them back, was most of a start's CPU.
"""

import asyncio
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar, cast

from sqlalchemy import Table, bindparam, insert, select, update

from lib.conversations.repository import CONVERSATION_NOT_FOUND, ConversationRepository, utcnow
from lib.db.database import Database
from lib.db.lists import one_of
from lib.db.models import Conversation, Message
from lib.errors import ApiError, NotFound
from lib.flusher import Flusher

# Starts in one transaction at most: a burst larger than this is stored in several.
MAX_BATCH = 100

_conversations = cast(Table, Conversation.__table__)
_messages = cast(Table, Message.__table__)

_INSERT_MESSAGES = insert(_messages)
_UPDATE_CONVERSATIONS = (
    update(_conversations)
    .where(_conversations.c.id == bindparam("conversation_id"))
    .values(
        current_message_id=bindparam("new_current_message_id"),
        title=bindparam("new_title"),
        title_source=bindparam("new_title_source"),
    )
)


@dataclass(slots=True)
class StoredConversation:
    """What a start reads of its conversation, and changes (written back at the end, with the
    batch's time as its update time)."""

    id: str
    owner: str
    current_message_id: str | None
    title: str
    title_source: str


@dataclass(slots=True)
class StoredMessage:
    """What a start reads of a message: its place in the tree, and what goes upstream."""

    id: str
    parent_id: str | None
    role: str
    status: str
    items: list[Any]
    text: str


Started = TypeVar("Started")

# Checks one start against its conversation and messages (stale answers already ended) and
# returns what the run needs with the rows of the messages to insert; it appends them to the
# messages (later starts of the batch see them) and changes the conversation in place. It
# raises the ApiError that refuses the start.
Begin = Callable[
    [StoredConversation, list[StoredMessage], datetime],
    tuple[Started, list[dict[str, Any]]],
]


def _future() -> "asyncio.Future[Any]":
    return asyncio.get_running_loop().create_future()


@dataclass
class StartRequest(Generic[Started]):
    owner: str
    conversation_id: str
    begin: Begin[Started]
    done: "asyncio.Future[Started]" = field(default_factory=_future)


class TurnStarter(Generic[Started]):
    def __init__(self, db: Database) -> None:
        self._db = db
        self._waiting: list[StartRequest[Started]] = []
        self._flusher = Flusher(self._start_waiting, "turn starts")

    async def start(self, request: StartRequest[Started]) -> Started:
        self._waiting.append(request)
        self._flusher.kick()
        return await request.done

    async def close(self) -> None:
        await self._flusher.close()

    async def _start_waiting(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
            batch = [request for request in batch if not request.done.done()]
            try:
                started = await self._start(batch)
            except Exception as exc:
                for request in batch:
                    if not request.done.done():
                        request.done.set_exception(exc)
            else:
                for request, result in started:
                    if not request.done.done():
                        request.done.set_result(result)

    async def _start(
        self, batch: list[StartRequest[Started]]
    ) -> list[tuple[StartRequest[Started], Started]]:
        """Stores every start of the batch that may start; the others get their error now."""
        started: list[tuple[StartRequest[Started], Started]] = []
        rows: list[dict[str, Any]] = []
        now = utcnow()
        dialect = self._db.dialect
        async with self._db.session() as session:
            ids = sorted({request.conversation_id for request in batch})
            c = _conversations.c
            # In id order, so two workers locking some of the same conversations (PostgreSQL)
            # queue up instead of deadlocking; SQLite takes one writer at a time anyway.
            read = await session.execute(
                select(c.id, c.owner, c.current_message_id, c.title, c.title_source)
                .where(one_of(c.id, ids, dialect))
                .order_by(c.id)
                .with_for_update()
            )
            conversations = {row.id: StoredConversation(*row) for row in read}
            m = _messages.c
            messages: dict[str, list[StoredMessage]] = defaultdict(list)
            for row in await session.execute(
                select(m.conversation_id, m.id, m.parent_id, m.role, m.status, m["items"], m.text)
                .where(one_of(m.conversation_id, list(conversations), dialect))
                .order_by(m.seq)
            ):
                messages[row.conversation_id].append(StoredMessage(*row[1:]))
            for request in batch:
                conversation = conversations.get(request.conversation_id)
                try:
                    if conversation is None or conversation.owner != request.owner:
                        raise NotFound(CONVERSATION_NOT_FOUND)
                    own = messages[conversation.id]
                    if any(message.status == "streaming" for message in own):
                        # Only then: most turns start with nothing streaming.
                        repo = ConversationRepository(session, request.owner)
                        ended = set(await repo.end_stale_turns(conversation.id, now))
                        for message in own:
                            if message.id in ended:
                                message.status = "incomplete"
                    result, new_rows = request.begin(conversation, own, now)
                except ApiError as exc:
                    request.done.set_exception(exc)
                    continue
                rows += new_rows
                started.append((request, result))
            if rows:
                await session.execute(_INSERT_MESSAGES, rows)
            # Changed: the conversations a start of the batch started in (at most one each).
            changed = [conversations[request.conversation_id] for request, _ in started]
            updates = [
                {
                    "conversation_id": conversation.id,
                    "new_current_message_id": conversation.current_message_id,
                    "new_title": conversation.title,
                    "new_title_source": conversation.title_source,
                }
                for conversation in changed
            ]
            if updates:
                await session.execute(_UPDATE_CONVERSATIONS.values(updated_at=now), updates)
        return started
