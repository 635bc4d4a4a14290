"""Every query of conversations and messages, scoped to one owner.

A repository is made for an owner and cannot be made without one, so no route can forget the
`WHERE owner = ...`. Another owner's conversation is not found, exactly like one that never
existed.
"""

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Select, delete, func, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from lib.conversations import pages
from lib.conversations.ids import new_conversation_id
from lib.conversations.pages import PageKey
from lib.conversations.sqlite_search import SqliteSearch
from lib.db.lists import one_of
from lib.db.models import Conversation, Message
from lib.errors import NotFound

# A `streaming` answer whose worker has not written for this long is taken as cut short: the
# worker died (the run engine beats at least every second).
STALE_AFTER = timedelta(seconds=15)
CONVERSATION_NOT_FOUND = "No such conversation."


def utcnow() -> datetime:
    return datetime.now(UTC)


class ConversationRepository:
    def __init__(self, session: AsyncSession, owner: str) -> None:
        if not owner:
            raise ValueError("a repository needs an owner")
        self.session = session
        self.owner = owner

    # --- conversations

    async def create(
        self, title: str, title_source: str, now: datetime | None = None
    ) -> Conversation:
        now = now or utcnow()
        conversation = Conversation(
            id=new_conversation_id(),
            owner=self.owner,
            title=title,
            title_source=title_source,
            current_message_id=None,
            created_at=now,
            updated_at=now,
        )
        self.session.add(conversation)
        await self.session.flush()
        return conversation

    async def get(self, conversation_id: str, *, for_update: bool = False) -> Conversation:
        query = select(Conversation).where(
            Conversation.id == conversation_id, Conversation.owner == self.owner
        )
        if for_update:
            query = query.with_for_update()
        conversation = (await self.session.scalars(query)).first()
        if conversation is None:
            raise NotFound(CONVERSATION_NOT_FOUND)
        return conversation

    def _page(self, query: Select[Any], limit: int, after: PageKey | None) -> Select[Any]:
        query = query.where(Conversation.owner == self.owner)
        if after is not None:
            query = query.where(pages.after(after))
        return query.order_by(*pages.NEWEST_FIRST).limit(limit)

    async def list_page(self, limit: int, after: PageKey | None) -> list[Conversation]:
        return list(await self.session.scalars(self._page(select(Conversation), limit, after)))

    async def search_page(
        self, words: list[str], limit: int, after: PageKey | None
    ) -> list[tuple[Conversation, str | None]]:
        """The first `limit` conversations after `after` whose title or messages hold every
        word, newest first, each with the text of one matching message (None when only the
        title matches)."""
        dialect = self.session.get_bind().dialect.name
        match = _match_expression(dialect, words)
        if dialect == "sqlite":
            return await SqliteSearch(self.session, self.owner, match, after).page(limit)
        hit = or_(
            text("conversations.search_vector @@ to_tsquery('simple', :q)"),
            Conversation.id.in_(
                select(Message.conversation_id).where(
                    Message.owner == self.owner,
                    text("messages.search_vector @@ to_tsquery('simple', :q)"),
                )
            ),
        )
        query = self._page(select(Conversation).where(hit), limit, after).params(q=match)
        page = list(await self.session.scalars(query))
        texts = await self._matching_texts([c.id for c in page], match)
        return [(conversation, texts.get(conversation.id)) for conversation in page]

    async def _matching_texts(self, conversation_ids: list[str], match: str) -> dict[str, str]:
        """For each conversation, the text of its first message that matches (PostgreSQL)."""
        if not conversation_ids:
            return {}
        query = (
            select(Message.conversation_id, Message.text)
            .where(
                Message.owner == self.owner,
                one_of(Message.conversation_id, conversation_ids, "postgresql"),
                text("messages.search_vector @@ to_tsquery('simple', :q)"),
            )
            .order_by(Message.seq)
            .params(q=match)
        )
        found: dict[str, str] = {}
        for conversation_id, message_text in await self.session.execute(query):
            found.setdefault(conversation_id, message_text)
        return found

    async def delete(self, conversation_id: str) -> None:
        conversation = await self.get(conversation_id)
        # Messages go with it (ON DELETE CASCADE); stated here too for a SQLite whose foreign
        # keys were switched off by hand.
        await self.session.execute(
            delete(Message).where(Message.conversation_id == conversation.id)
        )
        await self.session.delete(conversation)

    # --- messages

    async def messages(self, conversation_id: str) -> list[Message]:
        query = (
            select(Message)
            .where(Message.conversation_id == conversation_id, Message.owner == self.owner)
            .order_by(Message.seq)
        )
        return list(await self.session.scalars(query))

    async def end_stale_turns(self, conversation_id: str, now: datetime | None = None) -> list[str]:
        """Answers left `streaming` by a worker that stopped beating become `incomplete`; the
        ids of those it ended."""
        now = now or utcnow()
        ended = await self.session.execute(
            update(Message)
            .where(
                Message.conversation_id == conversation_id,
                Message.owner == self.owner,
                Message.status == "streaming",
                or_(Message.heartbeat_at.is_(None), Message.heartbeat_at < now - STALE_AFTER),
            )
            .values(status="incomplete", updated_at=now)
            .returning(Message.id)
        )
        return list(ended.scalars())

    async def count_messages(self, conversation_id: str) -> int:
        query = select(func.count()).where(
            Message.conversation_id == conversation_id, Message.owner == self.owner
        )
        return int((await self.session.execute(query)).scalar_one())


async def end_all_stale_turns(session: AsyncSession, now: datetime | None = None) -> int:
    """At start-up, for every owner: answers whose worker is gone become `incomplete`."""
    now = now or utcnow()
    result = await session.execute(
        update(Message)
        .where(
            Message.status == "streaming",
            or_(Message.heartbeat_at.is_(None), Message.heartbeat_at < now - STALE_AFTER),
        )
        .values(status="incomplete", updated_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def _match_expression(dialect: str, words: list[str]) -> str:
    """The words as the database's full-text syntax, every word required, the last a prefix
    (so search works as one types). Words are letters and digits only: nothing a person types
    can reach the query syntax (quotes, *, -, NEAR, %)."""
    if dialect == "sqlite":
        return " ".join(f'"{word}"' for word in words[:-1]) + f' "{words[-1]}"*'
    return " & ".join([*words[:-1], f"{words[-1]}:*"])


def message_usage(message: Message) -> dict[str, Any] | None:
    if message.total_tokens is None:
        return None
    return {
        "input_tokens": message.input_tokens or 0,
        "cached_tokens": message.cached_tokens or 0,
        "output_tokens": message.output_tokens or 0,
        "reasoning_tokens": message.reasoning_tokens or 0,
        "total_tokens": message.total_tokens or 0,
    }
