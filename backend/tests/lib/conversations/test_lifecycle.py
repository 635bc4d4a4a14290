"""RETENTION_DAYS: old conversations go with their messages; daily usage totals stay."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lib.conversations.lifecycle import DatabaseLifecycle
from lib.conversations.repository import ConversationRepository, utcnow
from lib.conversations.turns import UNSET, TurnStore
from lib.db.database import Database
from lib.db.models import Message
from lib.errors import NotFound
from lib.usage.repository import UsageRepository

OWNER = "anon_retention_owner"


async def test_conversations_not_updated_for_the_retention_period_are_deleted(
    database: Database,
) -> None:
    store = TurnStore(database)
    async with database.session() as session:
        repo = ConversationRepository(session, f"{OWNER}_{database.dialect}")
        old = await repo.create("old", "user", utcnow() - timedelta(days=40))
        recent = await repo.create("recent", "user", utcnow() - timedelta(days=5))
    owner = f"{OWNER}_{database.dialect}"
    turn = await store.start_turn(
        owner,
        old.id,
        input_items=[{"role": "user", "content": "hi"}],
        parent_id=UNSET,
        regenerate=None,
        model="m",
        worker_id="w",
    )
    usage = {
        "input_tokens": 1,
        "cached_tokens": 0,
        "output_tokens": 1,
        "reasoning_tokens": 0,
        "total_tokens": 2,
    }
    await store.finish(
        turn.turn_id,
        owner=owner,
        model="gpt-test",
        status="completed",
        items=[],
        text="",
        usage=usage,
        cost_usd=None,
    )
    async with database.session() as session:
        # The turn made it recent again; age it as if it had been left alone since.
        conversation = await ConversationRepository(session, owner).get(old.id)
        conversation.updated_at = utcnow() - timedelta(days=40)

    deleted = await DatabaseLifecycle(database, retention_days=30).delete_expired()

    assert deleted >= 1
    async with database.session() as session:
        repo = ConversationRepository(session, owner)
        assert (await repo.get(recent.id)).title == "recent"
        remaining = await session.execute(
            select(func.count()).where(Message.conversation_id == old.id)
        )
        assert remaining.scalar_one() == 0
        assert await UsageRepository(session, owner).tokens_on(utcnow().date()) == 2
    async with database.session() as session:
        with pytest.raises(NotFound):
            await ConversationRepository(session, owner).get(old.id)


async def test_without_retention_nothing_is_deleted(database: Database) -> None:
    assert await DatabaseLifecycle(database, retention_days=None).delete_expired() == 0
