"""Turns starting at one moment, stored together: one transaction for all of them.

A turn's start reads its conversation and messages, then adds the user message and the answer
(lib/conversations/turns.py says what it stores). Done one transaction per turn, a hundred
turns starting together are a hundred transactions of five statements each, and on SQLite's
one connection each waits for all before it. Here the starts waiting at one moment share one
transaction: the conversations and their messages are read with one statement each, every
start is checked on its own (a start that is refused fails alone, and two starts of one
conversation still conflict), and the new rows go out in one flush. Each caller still waits
until its own start is stored, and hears of its failure.
"""

import asyncio
import contextlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lib.conversations.repository import CONVERSATION_NOT_FOUND, ConversationRepository, utcnow
from lib.db.database import Database
from lib.db.lists import one_of
from lib.db.models import Conversation, Message
from lib.errors import ApiError, NotFound

# Starts in one transaction at most: a burst larger than this is stored in several.
MAX_BATCH = 100

Started = TypeVar("Started")


def _future() -> "asyncio.Future[Started]":
    return asyncio.get_running_loop().create_future()


@dataclass
class StartRequest(Generic[Started]):
    owner: str
    conversation_id: str
    # Checks the start against what is stored and adds its rows to the session (appending
    # them to the messages, which later starts of the batch see); returns what the run needs,
    # or raises the ApiError that refuses it.
    begin: Callable[[AsyncSession, Conversation, list[Message], datetime], Started]
    done: "asyncio.Future[Started]" = field(default_factory=_future)


class TurnStarter(Generic[Started]):
    def __init__(self, db: Database) -> None:
        self._db = db
        self._waiting: list[StartRequest[Started]] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self, request: StartRequest[Started]) -> Started:
        self._waiting.append(request)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._start_forever(), name="turn starts")
        self._wake.set()
        return await request.done

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _start_forever(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
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
        now = utcnow()
        async with self._db.session() as session:
            ids = sorted({request.conversation_id for request in batch})
            dialect = self._db.dialect
            # In id order, so two workers locking some of the same conversations (PostgreSQL)
            # queue up instead of deadlocking; SQLite takes one writer at a time anyway.
            conversations = {
                conversation.id: conversation
                for conversation in await session.scalars(
                    select(Conversation)
                    .where(one_of(Conversation.id, ids, dialect))
                    .order_by(Conversation.id)
                    .with_for_update()
                )
            }
            messages: dict[str, list[Message]] = defaultdict(list)
            for message in await session.scalars(
                select(Message)
                .where(one_of(Message.conversation_id, list(conversations), dialect))
                .order_by(Message.seq)
            ):
                messages[message.conversation_id].append(message)
            for request in batch:
                conversation = conversations.get(request.conversation_id)
                try:
                    if conversation is None or conversation.owner != request.owner:
                        raise NotFound(CONVERSATION_NOT_FOUND)
                    own = messages[conversation.id]
                    if any(message.status == "streaming" for message in own):
                        # Only then: the loaded rows follow the UPDATE.
                        repo = ConversationRepository(session, request.owner)
                        await repo.end_stale_turns(conversation.id, now)
                    result = request.begin(session, conversation, own, now)
                except ApiError as exc:
                    request.done.set_exception(exc)
                    continue
                started.append((request, result))
        return started
