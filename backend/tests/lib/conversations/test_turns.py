"""What a turn stores, on SQLite and on PostgreSQL (lib/conversations/turns.py)."""

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from openai import AsyncOpenAI
from sqlalchemy import select, update

from lib.conversations.cursor import CursorCodec
from lib.conversations.repository import ConversationRepository, utcnow
from lib.conversations.service import ConversationService
from lib.conversations.turns import UNSET, TurnStore
from lib.db.database import Database
from lib.db.models import Message
from lib.errors import Conflict, NotFound
from lib.usage.repository import UsageRepository

OWNER = "anon_turns_owner"
USAGE = {
    "input_tokens": 10,
    "cached_tokens": 2,
    "output_tokens": 5,
    "reasoning_tokens": 1,
    "total_tokens": 15,
}
REASONING: dict[str, Any] = {
    "id": "rs_1",
    "type": "reasoning",
    "summary": [],
    "encrypted_content": "gAAA-secret",
}


def user(text: str) -> list[dict[str, object]]:
    return [{"role": "user", "content": text}]


def answer(text: str) -> dict[str, Any]:
    return {
        "id": f"msg_{abs(hash(text))}",
        "type": "message",
        "role": "assistant",
        "status": "completed",
        "content": [{"type": "output_text", "text": text, "annotations": []}],
    }


async def new_conversation(database: Database, owner: str = OWNER) -> str:
    async with database.session() as session:
        return (await ConversationRepository(session, owner).create("", "none")).id


async def start(  # type: ignore[no-untyped-def]
    store: TurnStore,
    conversation_id: str,
    text: str | None = "hi",
    owner: str = OWNER,
    **kw: object,
):
    options: dict[str, object] = {"parent_id": UNSET, "regenerate": None}
    options.update(kw)
    return await store.start_turn(
        owner,
        conversation_id,
        input_items=user(text) if text is not None else None,
        model="gpt-test",
        worker_id="worker-1",
        **options,  # type: ignore[arg-type]
    )


async def finish(
    store: TurnStore, turn_id: str, text: str, status: str = "completed", **kw: object
) -> None:
    items = kw.pop("items", [answer(text)])
    await store.finish(
        turn_id,
        owner=OWNER,
        model="gpt-test",
        status=status,
        items=items,  # type: ignore[arg-type]
        text=text,
        usage=kw.get("usage"),  # type: ignore[arg-type]
        cost_usd=kw.get("cost_usd"),  # type: ignore[arg-type]
    )


async def test_the_user_message_is_stored_before_the_answer_streams(database: Database) -> None:
    store = TurnStore(database)
    conversation_id = await new_conversation(database)
    turn = await start(store, conversation_id, "What is FTS5?")
    assert turn.upstream_input == user("What is FTS5?")
    assert turn.first_turn
    async with database.session() as session:
        messages = await ConversationRepository(session, OWNER).messages(conversation_id)
        conversation = await ConversationRepository(session, OWNER).get(conversation_id)
    assert [(m.role, m.status) for m in messages] == [
        ("user", "completed"),
        ("assistant", "streaming"),
    ]
    assert messages[0].text == "What is FTS5?"
    assert conversation.current_message_id == turn.turn_id
    assert conversation.title == "What is FTS5?"  # provisional until a title is generated


async def test_a_second_turn_while_one_streams_is_a_conflict(database: Database) -> None:
    store = TurnStore(database)
    conversation_id = await new_conversation(database)
    await start(store, conversation_id)
    with pytest.raises(Conflict):
        await start(store, conversation_id, "again")


async def test_starts_at_one_moment_are_each_checked_on_their_own(database: Database) -> None:
    # They share a transaction (lib/conversations/starts.py): one refused start must not take
    # the others with it, and two starts of one conversation must still conflict.
    store = TurnStore(database)
    conversations = [await new_conversation(database) for _ in range(20)]
    foreign = await new_conversation(database, "anon_someone_else")
    quiet = await new_conversation(database)
    try:
        results = await asyncio.gather(
            *(
                start(store, conversation_id, f"question {i}")
                for i, conversation_id in enumerate(conversations)
            ),
            start(store, conversations[0], "the same conversation again"),
            start(store, foreign, "not mine"),
            start(store, quiet, "regenerate nothing", regenerate="msg_nothing"),
            return_exceptions=True,
        )
        *started, twice, not_mine, bad_regenerate = results
        assert isinstance(twice, Conflict)
        assert isinstance(not_mine, NotFound)
        assert isinstance(bad_regenerate, NotFound)
        async with database.session() as session:
            for i, (conversation_id, turn) in enumerate(zip(conversations, started, strict=True)):
                assert not isinstance(turn, BaseException), turn
                assert turn.upstream_input == user(f"question {i}")
                repo = ConversationRepository(session, OWNER)
                messages = await repo.messages(conversation_id)
                assert [(m.role, m.status, m.text) for m in messages] == [
                    ("user", "completed", f"question {i}"),
                    ("assistant", "streaming", ""),
                ]
                assert (await repo.get(conversation_id)).current_message_id == turn.turn_id
            foreign_messages = await ConversationRepository(session, "anon_someone_else").messages(
                foreign
            )
            assert foreign_messages == []
    finally:
        await store.close()


async def test_a_turn_whose_worker_stopped_beating_ends_incomplete_and_frees_the_conversation(
    database: Database,
) -> None:
    store = TurnStore(database)
    conversation_id = await new_conversation(database)
    first = await start(store, conversation_id)
    async with database.session() as session:
        await session.execute(
            update(Message)
            .where(Message.id == first.turn_id)
            .values(heartbeat_at=utcnow() - timedelta(seconds=16))
        )
    assert await store.get_turn_status(OWNER, conversation_id, first.turn_id) == "incomplete"
    await start(store, conversation_id, "after the crash")
    async with database.session() as session:
        dead = (await session.scalars(select(Message).where(Message.id == first.turn_id))).one()
    assert dead.status == "incomplete"


async def test_the_next_input_is_the_stored_path_with_encrypted_reasoning_but_no_cut_calls(
    database: Database,
) -> None:
    store = TurnStore(database)
    conversation_id = await new_conversation(database)
    first = await start(store, conversation_id, "one")
    orphan_call = {
        "type": "function_call",
        "call_id": "call_x",
        "name": "get_joke",
        "arguments": "{}",
    }
    items: list[dict[str, Any]] = [REASONING, answer("first answer"), orphan_call]
    await store.finish(
        first.turn_id,
        owner=OWNER,
        model="gpt-test",
        status="cancelled",
        items=items,
        text="first answer",
        usage=None,
        cost_usd=None,
    )
    second = await start(store, conversation_id, "two")
    assert second.upstream_input == [*user("one"), REASONING, answer("first answer"), *user("two")]


async def test_finishing_stores_usage_on_the_message_and_in_the_day(database: Database) -> None:
    store = TurnStore(database)
    conversation_id = await new_conversation(database)
    turn = await start(store, conversation_id)
    await store.finish(
        turn.turn_id,
        owner=OWNER,
        model="gpt-test",
        status="completed",
        items=[answer("ok")],
        text="ok",
        usage=USAGE,
        cost_usd=0.25,
    )
    service = ConversationService(database, CursorCodec("x" * 32))
    view = await service.get(OWNER, conversation_id)
    assert view["messages"][-1]["usage"] == USAGE
    assert view["messages"][-1]["cost_usd"] == 0.25
    async with database.session() as session:
        usage = UsageRepository(session, OWNER)
        assert await usage.tokens_on(utcnow().date()) >= 15


async def test_regenerating_adds_a_sibling_answer_to_the_same_user_message(
    database: Database,
) -> None:
    store = TurnStore(database)
    conversation_id = await new_conversation(database)
    first = await start(store, conversation_id, "question")
    await store.finish(
        first.turn_id,
        owner=OWNER,
        model="gpt-test",
        status="completed",
        items=[answer("a1")],
        text="a1",
        usage=None,
        cost_usd=None,
    )
    again = await start(store, conversation_id, None, regenerate=first.turn_id)
    assert again.user_message_id == first.user_message_id
    assert again.upstream_input == user("question")
    await store.finish(
        again.turn_id,
        owner=OWNER,
        model="gpt-test",
        status="completed",
        items=[answer("a2")],
        text="a2",
        usage=None,
        cost_usd=None,
    )
    view = await ConversationService(database, CursorCodec("x" * 32)).get(OWNER, conversation_id)
    assert view["messages"][-1]["id"] == again.turn_id
    assert view["messages"][-1]["sibling_ids"] == [first.turn_id, again.turn_id]


async def test_an_edit_of_the_first_message_is_a_new_root(database: Database) -> None:
    store = TurnStore(database)
    conversation_id = await new_conversation(database)
    first = await start(store, conversation_id, "draft")
    await store.finish(
        first.turn_id,
        owner=OWNER,
        model="gpt-test",
        status="completed",
        items=[answer("a")],
        text="a",
        usage=None,
        cost_usd=None,
    )
    edited = await start(store, conversation_id, "better draft", parent_id=None)
    assert edited.upstream_input == user("better draft")
    view = await ConversationService(database, CursorCodec("x" * 32)).get(OWNER, conversation_id)
    assert view["messages"][0]["sibling_ids"] == [first.user_message_id, edited.user_message_id]


async def test_unknown_or_foreign_ids_are_not_found(database: Database) -> None:
    store = TurnStore(database)
    conversation_id = await new_conversation(database)
    with pytest.raises(NotFound):
        await start(store, conversation_id, parent_id="msg_" + "0" * 32)
    with pytest.raises(NotFound):
        await start(store, conversation_id, None, regenerate="msg_" + "0" * 32)
    with pytest.raises(NotFound):
        await store.start_turn(
            "anon_someone_else",
            conversation_id,
            input_items=user("x"),
            parent_id=UNSET,
            regenerate=None,
            model="m",
            worker_id="w",
        )


async def test_a_title_comes_from_the_model_after_the_first_answer(
    database: Database, openai_base_url: str
) -> None:
    store = TurnStore(database)
    conversation_id = await new_conversation(database)
    await start(store, conversation_id, "Plan a weekend in Lisbon please")
    async with AsyncOpenAI(api_key="sk-test", base_url=openai_base_url, max_retries=0) as openai:
        title = await store.maybe_generate_title(OWNER, conversation_id, openai, "gpt-test")
        assert title == "Fake title: Plan a weekend"
        # Once generated, it stays.
        assert await store.maybe_generate_title(OWNER, conversation_id, openai, "gpt-test") is None


async def test_a_failed_title_call_falls_back_to_the_first_words(
    database: Database, openai_base_url: str
) -> None:
    store = TurnStore(database)
    conversation_id = await new_conversation(database)
    await start(
        store, conversation_id, "[[error:500]] one two three four five six seven eight nine"
    )
    async with AsyncOpenAI(api_key="sk-test", base_url=openai_base_url, max_retries=0) as openai:
        title = await store.maybe_generate_title(OWNER, conversation_id, openai, "gpt-test")
    assert title == "[[error:500]] one two three four five six seven…"


async def test_a_title_the_person_set_is_never_replaced(
    database: Database, openai_base_url: str
) -> None:
    store = TurnStore(database)
    service = ConversationService(database, CursorCodec("x" * 32))
    conversation_id = (await service.create(OWNER, "My own name"))["id"]
    await start(store, conversation_id, "anything")
    async with AsyncOpenAI(api_key="sk-test", base_url=openai_base_url, max_retries=0) as openai:
        assert await store.maybe_generate_title(OWNER, conversation_id, openai, "gpt-test") is None
    assert (await service.get(OWNER, conversation_id))["title"] == "My own name"
