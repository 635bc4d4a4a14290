"""What an anonymous owner made becomes a user's, on SQLite and PostgreSQL."""

import secrets
from datetime import UTC, date, datetime

from sqlalchemy import select

from lib.conversations.repository import ConversationRepository
from lib.db.database import Database
from lib.db.models import Base, Message, OwnedResource, UsageDaily
from lib.owners.transfer import MOVED_AS_THEY_ARE, move_owned_data
from lib.usage.repository import UsageRepository

DAY = date(2026, 12, 1)
USAGE = {
    "input_tokens": 10,
    "cached_tokens": 0,
    "output_tokens": 5,
    "reasoning_tokens": 0,
    "total_tokens": 15,
}


def test_every_table_with_an_owner_is_moved_at_sign_in() -> None:
    owned = {table.name for table in Base.metadata.tables.values() if "owner" in table.c}
    handled = {model.__tablename__ for model in MOVED_AS_THEY_ARE} | {UsageDaily.__tablename__}
    assert owned == handled


async def test_conversations_messages_objects_and_usage_move_and_usage_adds_up(
    database: Database,
) -> None:
    # Owners of this test alone: the database is shared with the other tests of the session.
    run = secrets.token_hex(4)
    anonymous, user, stranger = f"anon_{run}a", f"user_{run}", f"anon_{run}b"
    async with database.session() as session:
        mine = await ConversationRepository(session, anonymous).create("Mine", "user")
        session.add(
            Message(
                id=f"msg_{mine.id[5:]}",
                conversation_id=mine.id,
                owner=anonymous,
                parent_id=None,
                role="user",
                status="completed",
                items=[],
                text="hello",
                created_at=datetime.now(UTC),
                updated_at=datetime.now(UTC),
            )
        )
        theirs = await ConversationRepository(session, stranger).create("Theirs", "user")
        store = f"vs_{run}"
        now = datetime.now(UTC)
        session.add(OwnedResource(id=store, kind="vector_store", owner=anonymous, created_at=now))
        await UsageRepository(session, anonymous).add(DAY, "gpt-5", USAGE, 0.5)
        await UsageRepository(session, user).add(DAY, "gpt-5", USAGE, 0.25)
        await UsageRepository(session, stranger).add(DAY, "gpt-5", USAGE, 1.0)
    async with database.session() as session:
        await move_owned_data(session, anonymous, user)
    async with database.session() as session:
        assert (await ConversationRepository(session, user).get(mine.id)).title == "Mine"
        assert (await ConversationRepository(session, stranger).get(theirs.id)).title == "Theirs"
        owners = await session.scalars(
            select(Message.owner).where(Message.conversation_id == mine.id)
        )
        assert set(owners) == {user}
        assert (await session.get(OwnedResource, store)).owner == user  # type: ignore[union-attr]
        rows = await UsageRepository(session, user).by_day(DAY)
        assert len(rows) == 1
        assert rows[0].usage["total_tokens"] == 30 and rows[0].turns == 2
        assert rows[0].cost_usd == 0.75
        assert await UsageRepository(session, anonymous).by_day(DAY) == []
        assert (await UsageRepository(session, stranger).by_day(DAY))[0].turns == 1
