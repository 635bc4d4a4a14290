"""Every store backend keeps the same promises: expiry, one-time take, add-if-absent, timeouts."""

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from lib.sessions.store import (
    SessionStore,
    StoreUnavailableError,
    create_store,
    sqlite_path,
    validate_store_url,
)
from tests.fixtures.redis_server import RedisServer


@pytest.fixture(params=["memory", "sqlite", "redis"])
async def store(
    request: pytest.FixtureRequest, tmp_path: Path, redis_server: RedisServer
) -> AsyncIterator[SessionStore]:
    url = {
        "memory": "memory://",
        "sqlite": "sqlite:///nested/dir/sessions.db",
        "redis": redis_server.url,
    }[request.param]
    created = create_store(url, tmp_path)
    yield created
    await created.close()


async def test_set_then_get(store: SessionStore) -> None:
    await store.set("a", b"one", 60)
    assert await store.get("a") == b"one"
    assert await store.get("missing") is None


async def test_entries_expire(store: SessionStore) -> None:
    await store.set("short", b"x", 0.2)
    await asyncio.sleep(0.3)
    assert await store.get("short") is None


async def test_reading_with_extend_ttl_keeps_an_entry_alive(store: SessionStore) -> None:
    await store.set("used", b"x", 0.4)
    for _ in range(3):
        await asyncio.sleep(0.2)
        assert await store.get("used", extend_ttl=0.4) == b"x"


async def test_take_returns_once(store: SessionStore) -> None:
    await store.set("state", b"v", 60)
    assert await store.take("state") == b"v"
    assert await store.take("state") is None
    assert await store.get("state") is None


async def test_take_of_an_expired_entry_is_none(store: SessionStore) -> None:
    await store.set("old", b"v", 0.1)
    await asyncio.sleep(0.2)
    assert await store.take("old") is None


async def test_add_only_when_absent_or_expired(store: SessionStore) -> None:
    assert await store.add("lock", b"me", 0.2) is True
    assert await store.add("lock", b"you", 0.2) is False
    await asyncio.sleep(0.3)
    assert await store.add("lock", b"you", 60) is True


async def test_conditional_delete_spares_someone_elses_value(store: SessionStore) -> None:
    await store.set("lock", b"theirs", 60)
    await store.delete("lock", only_if=b"mine")
    assert await store.get("lock") == b"theirs"
    await store.delete("lock", only_if=b"theirs")
    assert await store.get("lock") is None


async def test_concurrent_adds_have_one_winner(store: SessionStore) -> None:
    results = await asyncio.gather(*(store.add("race", bytes([i]), 60) for i in range(10)))
    assert results.count(True) == 1


def test_sqlite_file_is_created_on_first_use(tmp_path: Path) -> None:
    async def use() -> None:
        store = create_store("sqlite:///data/s.db", tmp_path)
        assert not (tmp_path / "data").exists()
        await store.set("k", b"v", 60)
        await store.close()

    asyncio.run(use())
    assert (tmp_path / "data" / "s.db").is_file()


def test_sqlite_urls_follow_sqlalchemy() -> None:
    base = Path("/srv/backend")
    assert sqlite_path("sqlite:///data/sessions.db", base) == base / "data/sessions.db"
    assert sqlite_path("sqlite:////var/lib/s.db", base) == Path("/var/lib/s.db")


@pytest.mark.parametrize("url", ["postgres://x", "sqlite://", "redis://", "memory"])
def test_unknown_store_urls_are_refused(url: str) -> None:
    with pytest.raises(ValueError):
        validate_store_url(url)


async def test_redis_that_is_down_fails_fast_and_recovers() -> None:
    server = RedisServer().start()
    store = create_store(server.url, Path())
    try:
        await store.set("k", b"v", 60)
        server.stop()
        with pytest.raises(StoreUnavailableError):
            await store.get("k")
        server.start()
        await store.set("k", b"again", 60)
        assert await store.get("k") == b"again"
    finally:
        await store.close()
        server.stop()


async def test_frozen_redis_times_out_within_two_seconds() -> None:
    server = RedisServer().start()
    store = create_store(server.url, Path())
    try:
        await store.ping()
        server.freeze()
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(StoreUnavailableError):
            await store.get("k")
        assert loop.time() - started < 2.5
    finally:
        server.thaw()
        await store.close()
        server.stop()
