"""Answers saved as they stream, many runs at once, on SQLite and on PostgreSQL."""

import asyncio
import secrets
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError

from lib.conversations.progress import ProgressWriter
from lib.conversations.repository import utcnow
from lib.conversations.turns import TurnStore
from lib.db.database import Database
from lib.db.models import Message
from lib.usage.repository import UsageRepository
from tests.lib.conversations.test_turns import USAGE, answer, finish, new_conversation, start


async def stored(database: Database, turn_id: str) -> Message:
    async with database.session() as session:
        message = (await session.scalars(select(Message).where(Message.id == turn_id))).one()
        return message


async def test_saves_of_many_runs_at_one_moment_are_each_stored(database: Database) -> None:
    store = TurnStore(database)
    turns = [(await start(store, await new_conversation(database))).turn_id for _ in range(30)]
    try:
        await asyncio.gather(
            *(
                store.save_progress(turn_id, items=[answer(f"so far {i}")], text=f"so far {i}")
                for i, turn_id in enumerate(turns)
            )
        )
        for i, turn_id in enumerate(turns):
            message = await stored(database, turn_id)
            assert (message.status, message.text) == ("streaming", f"so far {i}")
            assert message.items == [answer(f"so far {i}")]
    finally:
        await store.close()


async def test_the_newest_of_two_waiting_saves_wins_and_both_callers_return(
    database: Database,
) -> None:
    store = TurnStore(database)
    turn_id = (await start(store, await new_conversation(database))).turn_id
    try:
        await asyncio.gather(
            store.save_progress(turn_id, items=[answer("older")], text="older"),
            store.save_progress(turn_id, items=[answer("newer")], text="newer"),
            store.heartbeat(turn_id),
        )
        assert (await stored(database, turn_id)).text == "newer"
    finally:
        await store.close()


async def test_a_beat_keeps_a_streaming_answer_alive_and_never_touches_a_finished_one(
    database: Database,
) -> None:
    store = TurnStore(database)
    alive = (await start(store, await new_conversation(database))).turn_id
    done = (await start(store, await new_conversation(database))).turn_id
    await finish(store, done, "all of it")
    long_ago = utcnow().replace(year=2020)
    async with database.session() as session:
        await session.execute(
            update(Message).where(Message.id == alive).values(heartbeat_at=long_ago)
        )
    try:
        await asyncio.gather(store.heartbeat(alive), store.heartbeat(done))
        beaten = await stored(database, alive)
        assert beaten.heartbeat_at is not None and beaten.heartbeat_at > long_ago
        finished = await stored(database, done)
        assert (finished.status, finished.heartbeat_at) == ("completed", None)
        # A save arriving after the end changes nothing either.
        await store.save_progress(done, items=[answer("late")], text="late")
        assert (await stored(database, done)).text == "all of it"
    finally:
        await store.close()


async def test_ends_of_many_runs_at_one_moment_are_each_stored_and_counted_once(
    database: Database,
) -> None:
    store = TurnStore(database)
    owner = f"anon_ends_{secrets.token_hex(4)}"
    turns = [
        (await start(store, await new_conversation(database, owner), owner=owner)).turn_id
        for _ in range(30)
    ]
    try:
        await asyncio.gather(
            *(
                store.finish(
                    turn_id,
                    owner=owner,
                    model="gpt-test",
                    status="completed" if i % 2 == 0 else "cancelled",
                    items=[answer(f"answer {i}")],
                    text=f"answer {i}",
                    # The cancelled ones got no usage: their tokens stay unknown.
                    usage=USAGE if i % 2 == 0 else None,
                    cost_usd=0.5 if i % 2 == 0 else None,
                )
                for i, turn_id in enumerate(turns)
            )
        )
        for i, turn_id in enumerate(turns):
            message = await stored(database, turn_id)
            assert (message.status, message.text) == (
                "completed" if i % 2 == 0 else "cancelled",
                f"answer {i}",
            )
            assert message.heartbeat_at is None
            assert message.total_tokens == (15 if i % 2 == 0 else None)
        async with database.session() as session:
            (day,) = await UsageRepository(session, owner).by_day(utcnow().date())
        # One row for the owner's day and model, every counted turn added in.
        assert (day.turns, day.usage["total_tokens"], day.cost_usd) == (15, 15 * 15, 7.5)
    finally:
        await store.close()


async def test_a_failed_write_reaches_every_caller(tmp_path: Path) -> None:
    # A database without the tables: every statement of the batch fails.
    empty = Database(f"sqlite+aiosqlite:///{tmp_path}/empty.db")
    writer = ProgressWriter(empty)
    try:
        results = await asyncio.gather(
            writer.save("msg_a", [], ""), writer.beat("msg_b"), return_exceptions=True
        )
        assert all(isinstance(result, DBAPIError) for result in results), results
    finally:
        await writer.close()
        await empty.close()
