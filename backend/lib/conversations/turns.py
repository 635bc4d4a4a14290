"""What a turn of a server-kept conversation stores, and when (docs/api.md, A turn).

The user message is stored before the upstream is called; the answer is stored as it streams
(save_progress, at every finished item and at least every second, which is also the worker's
heartbeat) and once more at the end (finish). The run engine (lib/runs/) calls these.
"""

import enum
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from openai import AsyncOpenAI
from sqlalchemy import select, update

from lib.conversations.ids import new_message_id
from lib.conversations.items import input_text, replayable
from lib.conversations.progress import FinalState, ProgressWriter
from lib.conversations.repository import STALE_AFTER, ConversationRepository, utcnow
from lib.conversations.starts import (
    StartRequest,
    StoredConversation,
    StoredMessage,
    TurnStarter,
)
from lib.conversations.views import active_path
from lib.db.database import Database
from lib.db.models import Message
from lib.errors import BadRequest, Conflict, NotFound
from lib.usage.repository import Usage

logger = logging.getLogger(__name__)

TURN_RUNNING = "An answer is still being written in this conversation; wait for it or stop it."
FINAL_STATUSES = frozenset({"completed", "incomplete", "cancelled", "failed"})
# A provisional title (the first words) stands until the generated one arrives.
PROVISIONAL_TITLE_WORDS = 8


class Unset(enum.Enum):
    UNSET = "unset"


UNSET = Unset.UNSET


@dataclass(frozen=True)
class TurnStart:
    conversation_id: str
    user_message_id: str
    turn_id: str
    upstream_input: list[dict[str, Any]]
    model: str
    first_turn: bool


def first_words(text: str, count: int = PROVISIONAL_TITLE_WORDS) -> str:
    words = text.split()
    title = " ".join(words[:count])
    return (title + "…" if len(words) > count else title)[:200]


class TurnStore:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.progress = ProgressWriter(db)
        self.starts = TurnStarter[TurnStart](db)

    async def start_turn(
        self,
        owner: str,
        conversation_id: str,
        *,
        input_items: list[dict[str, Any]] | None,
        parent_id: str | Unset | None,
        regenerate: str | None,
        model: str,
        worker_id: str,
    ) -> TurnStart:
        request = StartRequest[TurnStart](
            owner,
            conversation_id,
            lambda conversation, messages, now: _begin(
                conversation,
                messages,
                now,
                owner=owner,
                input_items=input_items,
                parent_id=parent_id,
                regenerate=regenerate,
                model=model,
                worker_id=worker_id,
            ),
        )
        return await self.starts.start(request)

    async def save_progress(self, turn_id: str, *, items: list[dict[str, Any]], text: str) -> None:
        """Stored when this returns, together with the other runs' saves of the moment."""
        await self.progress.save(turn_id, items, text)

    async def heartbeat(self, turn_id: str) -> None:
        await self.progress.beat(turn_id)

    async def close(self) -> None:
        await self.starts.close()
        await self.progress.close()

    async def finish(
        self,
        turn_id: str,
        *,
        owner: str,
        model: str,
        status: str,
        items: list[dict[str, Any]],
        text: str,
        usage: Usage | None,
        cost_usd: float | None,
        error: dict[str, Any] | None = None,
    ) -> None:
        """The answer's final state, and its usage counted in the owner's day (even when the
        conversation was deleted meanwhile: the tokens were spent). Written with the other
        runs' saves and ends of the moment."""
        if status not in FINAL_STATUSES:
            raise ValueError(f"not a final status: {status}")
        await self.progress.end(
            turn_id, FinalState(owner, model, status, items, text, usage, cost_usd, error)
        )

    async def get_turn_status(self, owner: str, conversation_id: str, turn_id: str) -> str:
        async with self.db.session() as session:
            repo = ConversationRepository(session, owner)
            await repo.get(conversation_id)
            message = (
                await session.scalars(
                    select(Message).where(
                        Message.id == turn_id,
                        Message.conversation_id == conversation_id,
                        Message.owner == owner,
                        Message.role == "assistant",
                    )
                )
            ).first()
            if message is None:
                raise NotFound("No such turn in this conversation.")
            heartbeat = message.heartbeat_at
            if message.status == "streaming" and (
                heartbeat is None or heartbeat < utcnow() - STALE_AFTER
            ):
                return "incomplete"
            return message.status

    async def maybe_generate_title(
        self, owner: str, conversation_id: str, openai: AsyncOpenAI | None, model: str
    ) -> str | None:
        """After a conversation's first answer: a short title from one small call, or its first
        words when that call fails. A title the person set is never replaced."""
        async with self.db.session() as session:
            repo = ConversationRepository(session, owner)
            conversation = await repo.get(conversation_id)
            if conversation.title_source in ("user", "generated"):
                return None
            messages = await repo.messages(conversation_id)
        first = next((m for m in messages if m.role == "user" and m.text), None)
        if first is None:
            return None
        title = await _title_from_model(openai, model, first.text) or first_words(first.text)
        async with self.db.session() as session:
            conversation = await ConversationRepository(session, owner).get(conversation_id)
            if conversation.title_source in ("user", "generated"):
                return None  # named meanwhile
            conversation.title = title
            conversation.title_source = "generated"
        return title


async def _title_from_model(
    openai: AsyncOpenAI | None, model: str, first_message: str
) -> str | None:
    if openai is None:
        return None
    try:
        response = await openai.responses.create(
            model=model,
            instructions=(
                "Write a title of at most six words for a conversation that begins with the "
                "user's message below. Answer with the title alone, no quotes, no full stop."
            ),
            input=first_message[:2000],
            max_output_tokens=32,
            store=False,
        )
    except Exception as exc:  # any failure: the first words will do
        logger.info("title generation failed (%s); using the first words", type(exc).__name__)
        return None
    title = " ".join((response.output_text or "").split()).strip("\"'“”. ")
    return title[:200] or None


def _begin(
    conversation: StoredConversation,
    messages: list[StoredMessage],
    now: datetime,
    *,
    owner: str,
    input_items: list[dict[str, Any]] | None,
    parent_id: str | Unset | None,
    regenerate: str | None,
    model: str,
    worker_id: str,
) -> tuple[TurnStart, list[dict[str, Any]]]:
    """One start, checked against the stored conversation (its stale answers already ended):
    the rows of the user message (unless an answer is regenerated) and of the streaming answer,
    also appended to `messages`; the conversation points at the new answer."""
    if any(message.status == "streaming" for message in messages):
        raise Conflict(TURN_RUNNING)
    by_id = {message.id: message for message in messages}
    rows: list[dict[str, Any]] = []
    if regenerate is not None:
        answered = by_id.get(regenerate)
        if answered is None or answered.role != "assistant" or answered.parent_id is None:
            raise NotFound("regenerate: no answer of this conversation has that id.")
        user_message = by_id[answered.parent_id]
    else:
        if not input_items:
            raise BadRequest("input: send the message (or `text`).")
        if parent_id is UNSET:
            path = active_path(messages, conversation.current_message_id)
            parent = path[-1].id if path else None
        elif parent_id is not None and parent_id not in by_id:
            raise NotFound("parent_id: no message of this conversation has that id.")
        else:
            parent = parent_id
        user_message = StoredMessage(
            new_message_id(), parent, "user", "completed", input_items, input_text(input_items)
        )
        rows.append(_row(conversation, owner, user_message, now, model=None, worker_id=None))
        messages.append(user_message)
        by_id[user_message.id] = user_message

    answer = StoredMessage(new_message_id(), user_message.id, "assistant", "streaming", [], "")
    rows.append(_row(conversation, owner, answer, now, model=model, worker_id=worker_id))
    first_turn = not any(message.role == "assistant" for message in messages)
    messages.append(answer)
    conversation.current_message_id = answer.id
    if conversation.title_source == "none" and user_message.text:
        conversation.title = first_words(user_message.text)
        conversation.title_source = "provisional"
    upstream = _upstream_input(by_id, user_message)
    start = TurnStart(conversation.id, user_message.id, answer.id, upstream, model, first_turn)
    return start, rows


def _row(
    conversation: StoredConversation,
    owner: str,
    message: StoredMessage,
    now: datetime,
    *,
    model: str | None,
    worker_id: str | None,
) -> dict[str, Any]:
    """A new message as the row to insert; every row has the same keys (one executemany)."""
    streaming = message.status == "streaming"
    return {
        "id": message.id,
        "conversation_id": conversation.id,
        "owner": owner,
        "parent_id": message.parent_id,
        "role": message.role,
        "status": message.status,
        "items": message.items,
        "text": message.text,
        "model": model,
        "created_at": now,
        "updated_at": now,
        "heartbeat_at": now if streaming else None,
        "worker_id": worker_id,
    }


def _upstream_input(by_id: dict[str, StoredMessage], last: StoredMessage) -> list[dict[str, Any]]:
    """The path from the root to `last`, as the upstream's `input`: user inputs as given, then
    each answer's items as they came (reasoning with its encrypted content)."""
    path = [last]
    while path[0].parent_id is not None and path[0].parent_id in by_id:
        path.insert(0, by_id[path[0].parent_id])
    upstream: list[dict[str, Any]] = []
    for message in path:
        upstream.extend(message.items if message.role == "user" else replayable(message.items))
    return upstream


async def mark_incomplete(db: Database, turn_id: str) -> None:
    """A run whose worker died: its stored answer says it was cut short."""
    async with db.session() as session:
        await session.execute(
            update(Message)
            .where(Message.id == turn_id, Message.status == "streaming")
            .values(status="incomplete", heartbeat_at=None, updated_at=utcnow())
        )
