"""The conversation routes' work: each takes the owner and answers the API's objects."""

from datetime import UTC, datetime
from typing import Any

from lib.conversations.cursor import CursorCodec
from lib.conversations.ids import new_message_id
from lib.conversations.items import without_secrets
from lib.conversations.pages import PageKey
from lib.conversations.repository import ConversationRepository, utcnow
from lib.conversations.search import search_words, snippet
from lib.conversations.transfer import MAX_IMPORT_MESSAGES, ConversationExport
from lib.conversations.views import conversation_view, summary
from lib.db.database import Database
from lib.db.models import Conversation, Message
from lib.errors import BadRequest, PayloadTooLarge

TITLE_MAX_CHARS = 200
TOO_MANY_MESSAGES = (
    f"That export has more than {MAX_IMPORT_MESSAGES:,} messages, more than one conversation may "
    "hold here; split it or import a shorter one."
)


def clean_title(title: str) -> str:
    cleaned = " ".join(title.split())
    if len(cleaned) > TITLE_MAX_CHARS:
        raise BadRequest(f"title: at most {TITLE_MAX_CHARS} characters.")
    return cleaned


class ConversationService:
    def __init__(self, db: Database, cursors: CursorCodec) -> None:
        self.db = db
        self.cursors = cursors

    async def create(self, owner: str, title: str | None) -> dict[str, Any]:
        async with self.db.session() as session:
            repo = ConversationRepository(session, owner)
            if title is not None and clean_title(title):
                conversation = await repo.create(clean_title(title), "user")
            else:
                conversation = await repo.create("", "none")
            return conversation_view(conversation, [])

    async def page(
        self, owner: str, *, limit: int, cursor: str | None, query: str | None
    ) -> dict[str, Any]:
        words = search_words(query or "")
        scope = " ".join(words)
        after = self.cursors.decode(cursor, owner=owner, query=scope) if cursor else None
        async with self.db.session() as session:
            repo = ConversationRepository(session, owner)
            if query is not None and query.strip() and not words:
                # Only punctuation: nothing can match a word search.
                return {"data": [], "next_cursor": None}
            if words:
                hits = await repo.search_page(words, limit + 1, after)
            else:
                listed = await repo.list_page(limit + 1, after)
                hits = [(conversation, None) for conversation in listed]
        more = len(hits) > limit
        page = [conversation for conversation, _ in hits[:limit]]
        data = []
        for conversation, found in hits[:limit]:
            item = summary(conversation)
            if words:
                item["snippet"] = snippet(found or conversation.title, words)
            data.append(item)
        next_cursor = None
        if more and page:
            last = page[-1]
            next_cursor = self.cursors.encode(
                PageKey(last.updated_at, last.id), owner=owner, query=scope
            )
        return {"data": data, "next_cursor": next_cursor}

    async def get(self, owner: str, conversation_id: str) -> dict[str, Any]:
        async with self.db.session() as session:
            repo = ConversationRepository(session, owner)
            conversation = await repo.get(conversation_id)
            await repo.end_stale_turns(conversation_id)
            return conversation_view(conversation, await repo.messages(conversation_id))

    async def load(self, owner: str, conversation_id: str) -> tuple[Conversation, list[Message]]:
        async with self.db.session() as session:
            repo = ConversationRepository(session, owner)
            conversation = await repo.get(conversation_id)
            await repo.end_stale_turns(conversation_id)
            return conversation, await repo.messages(conversation_id)

    async def update(
        self,
        owner: str,
        conversation_id: str,
        *,
        title: str | None,
        current_message_id: str | None,
    ) -> dict[str, Any]:
        async with self.db.session() as session:
            repo = ConversationRepository(session, owner)
            conversation = await repo.get(conversation_id, for_update=True)
            messages = await repo.messages(conversation_id)
            if title is not None:
                conversation.title = clean_title(title)
                conversation.title_source = "user"
            if current_message_id is not None:
                if current_message_id not in {message.id for message in messages}:
                    raise BadRequest(
                        "current_message_id: no message of this conversation has that id."
                    )
                conversation.current_message_id = current_message_id
            conversation.updated_at = utcnow()
            await session.flush()
            return conversation_view(conversation, messages)

    async def delete(self, owner: str, conversation_id: str) -> None:
        async with self.db.session() as session:
            await ConversationRepository(session, owner).delete(conversation_id)

    async def import_export(self, owner: str, export: ConversationExport) -> dict[str, Any]:
        if len(export.messages) > MAX_IMPORT_MESSAGES:
            raise PayloadTooLarge(TOO_MANY_MESSAGES)
        new_ids: dict[str, str] = {}
        for index, message in enumerate(export.messages):
            if message.id in new_ids:
                raise BadRequest(f"messages.{index}.id: {message.id!r} appears twice.")
            if message.parent_id is not None and message.parent_id not in new_ids:
                raise BadRequest(
                    f"messages.{index}.parent_id: names no message before it in the export."
                )
            new_ids[message.id] = new_message_id()
        current = export.conversation.current_message_id
        if current is not None and current not in new_ids:
            raise BadRequest("conversation.current_message_id: names no message of the export.")
        async with self.db.session() as session:
            repo = ConversationRepository(session, owner)
            source = "user" if export.conversation.title.strip() else "none"
            conversation = await repo.create(clean_title(export.conversation.title), source)
            conversation.created_at = _utc(export.conversation.created_at)
            conversation.updated_at = utcnow()
            conversation.current_message_id = new_ids[current] if current else None
            rows = []
            for message in export.messages:
                usage = message.usage
                rows.append(
                    Message(
                        id=new_ids[message.id],
                        conversation_id=conversation.id,
                        owner=owner,
                        parent_id=new_ids[message.parent_id] if message.parent_id else None,
                        role=message.role,
                        # A turn that was running when exported is not running here.
                        status="incomplete" if message.status == "streaming" else message.status,
                        items=without_secrets(message.items),
                        text=message.text,
                        model=message.model,
                        input_tokens=usage.input_tokens if usage else None,
                        cached_tokens=usage.cached_tokens if usage else None,
                        output_tokens=usage.output_tokens if usage else None,
                        reasoning_tokens=usage.reasoning_tokens if usage else None,
                        total_tokens=usage.total_tokens if usage else None,
                        cost_usd=message.cost_usd,
                        created_at=_utc(message.created_at),
                        updated_at=_utc(message.created_at),
                    )
                )
            session.add_all(rows)
            await session.flush()
            return conversation_view(conversation, rows)


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
