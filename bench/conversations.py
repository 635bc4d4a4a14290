"""The conversation routes under load, on SQLite and on PostgreSQL.

1. Turns: C conversations each take turns of N events at once through one uvicorn worker, and
   the same streams go straight to the fake upstream; prints events/s of both and their ratio,
   and (PostgreSQL) the database transactions per turn.
2. List and search: 10,000 conversations and 200,000 messages for one owner (the worst case:
   every row is the asker's), then GET /api/conversations pages and word searches; prints p50
   and p99 latency.

    .venv/bin/python bench/conversations.py                 # both, both databases
    .venv/bin/python bench/conversations.py --only list --database sqlite
"""

import argparse
import asyncio
import json
import random
import secrets
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
from sqlalchemy import select

BACKEND_DIR = Path(__file__).resolve().parent.parent / "backend"
sys.path.insert(0, str(BACKEND_DIR))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from turn_stream import one_stream, start_fake  # noqa: E402

from lib.db.database import Database  # noqa: E402
from lib.db.models import Conversation, Message  # noqa: E402
from tests.backend_process import BackendProcess  # noqa: E402

ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


async def make_postgres() -> tuple[str, str]:
    name = f"chat_bench_{secrets.token_hex(4)}"
    connection = await asyncpg.connect(ADMIN)
    await connection.execute(f'CREATE DATABASE "{name}"')
    await connection.close()
    return name, f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"


async def drop_postgres(name: str) -> None:
    connection = await asyncpg.connect(ADMIN)
    await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await connection.close()


async def transactions(name: str) -> int:
    connection = await asyncpg.connect(ADMIN)
    value = await connection.fetchval(
        "SELECT xact_commit FROM pg_stat_database WHERE datname = $1", name
    )
    await connection.close()
    return int(value)


async def new_conversations(session: aiohttp.ClientSession, base: str, count: int) -> list[str]:
    ids = []
    for _ in range(count):
        async with session.post(f"{base}/api/conversations", json={}) as response:
            ids.append((await response.json())["id"])
    return ids


async def conversation_turns(
    base: str, fake: str, c: int, n: int, rounds: int, pg_name: str | None
) -> None:
    """Each round of C turns through the backend is followed by a round of the same C streams
    straight from the fake, and each pair gives a ratio: this machine's speed drifts within
    seconds, and a ratio of two moments minutes apart measured the drift as much as the
    backend. The median of the pairs is the figure."""
    body = json.dumps({"text": f"[[synthetic:{max(1, n - 9)}:0]]"}).encode()
    message = {"role": "user", "content": f"[[synthetic:{max(1, n - 9)}:0]]"}
    plain = json.dumps({"model": "gpt-5.2", "stream": True, "input": [message]}).encode()
    # unsafe: keep cookies of an IP address host, the session (and so the owner) of this client.
    jar = aiohttp.CookieJar(unsafe=True)
    async with (
        aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0), cookie_jar=jar) as session,
        aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as direct_session,
    ):
        conversations = await new_conversations(session, base, c)

        async def through_backend() -> list[tuple[int, float]]:
            return await asyncio.gather(
                *(
                    one_stream(session, f"{base}/api/conversations/{cid}/turns", body, b"\n\n")
                    for cid in conversations
                )
            )

        async def straight() -> list[tuple[int, float]]:
            url = f"{fake}/v1/responses"
            return await asyncio.gather(
                *(one_stream(direct_session, url, plain, b"\n\n") for _ in range(c))
            )

        # Warm-up, and every conversation past its first turn (whose title costs a call).
        await through_backend()
        await straight()
        before = await transactions(pg_name) if pg_name else 0
        rates: list[tuple[float, float]] = []
        firsts: list[float] = []
        for _ in range(rounds):
            started = time.perf_counter()
            results = await through_backend()
            backend_rate = sum(count for count, _ in results) / (time.perf_counter() - started)
            firsts += [first for _, first in results]
            started = time.perf_counter()
            direct = await straight()
            rates.append(
                (backend_rate, sum(count for count, _ in direct) / (time.perf_counter() - started))
            )
        after = await transactions(pg_name) if pg_name else 0
    ratios = sorted(backend / direct for backend, direct in rates)
    print(
        f"  turns C={c} N={n}, {rounds} pairs of rounds: backend "
        f"{statistics.median(b for b, _ in rates):,.0f} events/s, direct "
        f"{statistics.median(d for _, d in rates):,.0f} events/s (medians); ratio median "
        f"{statistics.median(ratios):.2f} (pairs {ratios[0]:.2f}-{ratios[-1]:.2f}); "
        f"first byte p50 {statistics.median(firsts) * 1000:.0f} ms"
    )
    if pg_name:
        # Reads included: what the database commits per turn, as pg_stat_database counts it.
        print(f"  database transactions per turn: {(after - before) / (c * rounds):.1f}")


WORDS = [f"w{i}" for i in range(5000)]


def sentence(rng: random.Random, length: int) -> str:
    # Zipf-like: a few words are everywhere, most are rare, as in real text.
    return " ".join(WORDS[min(int(rng.paretovariate(1.1)) - 1, 4999)] for _ in range(length))


async def fill(url: str, owner: str, conversations: int, messages_each: int) -> None:
    db = Database(url)
    rng = random.Random(7)  # noqa: S311  # made-up text, the same every run
    now = datetime.now(UTC)
    try:
        for start in range(0, conversations, 500):
            async with db.session() as session:
                rows: list[object] = []
                for index in range(start, min(start + 500, conversations)):
                    cid = f"conv_{index:032x}"
                    moment = now - timedelta(minutes=index)
                    rows.append(
                        Conversation(
                            id=cid,
                            owner=owner,
                            title=sentence(rng, 4),
                            title_source="user",
                            created_at=moment,
                            updated_at=moment,
                        )
                    )
                    parent = None
                    for m in range(messages_each):
                        mid = f"msg_{index:024x}{m:08x}"
                        rows.append(
                            Message(
                                id=mid,
                                conversation_id=cid,
                                owner=owner,
                                parent_id=parent,
                                role="user" if m % 2 == 0 else "assistant",
                                status="completed",
                                items=[],
                                text=sentence(rng, 40),
                                created_at=moment,
                                updated_at=moment,
                            )
                        )
                        parent = mid
                session.add_all(rows)
    finally:
        await db.close()


def latencies(samples: list[float]) -> str:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return f"p50 {statistics.median(ordered) * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms"


async def list_and_search(base: str, url: str) -> None:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        async with session.post(f"{base}/api/conversations", json={}) as response:
            owner_probe = (await response.json())["id"]
        # The owner of this client's session: the bench fills the database for it.
        db = Database(url)
        async with db.session() as s:
            query = select(Conversation.owner).where(Conversation.id == owner_probe)
            owner = (await s.execute(query)).scalar_one()
        await db.close()
        started = time.perf_counter()
        await fill(url, owner, 10_000, 20)
        took = time.perf_counter() - started
        print(f"  filled 10,000 conversations and 200,000 messages in {took:.0f} s")

        async def timed(path: str, params: dict[str, str]) -> tuple[float, dict[str, Any]]:
            begin = time.perf_counter()
            async with session.get(f"{base}{path}", params=params) as response:
                body: dict[str, Any] = await response.json()
                if response.status != 200:
                    raise RuntimeError(f"{path} answered {response.status}: {body}")
            return time.perf_counter() - begin, body

        first_pages = [(await timed("/api/conversations", {"limit": "30"}))[0] for _ in range(100)]
        print(f"  list, first page of 30: {latencies(first_pages)}")
        cursor, deep = None, []
        for _ in range(100):
            params = {"limit": "30"}
            if cursor:
                params["cursor"] = cursor
            seconds, body = await timed("/api/conversations", params)
            deep.append(seconds)
            cursor = body["next_cursor"]
        print(f"  list, pages 1-100 by cursor: {latencies(deep)}")
        for label, words in (
            ("rare word", ["w2000", "w3000", "w4000"]),
            ("common word", ["w5", "w9", "w12"]),
            ("two words, prefix", ["w1 w4", "w7 w1", "w3 w2"]),
        ):
            samples = []
            for _ in range(34):
                for q in words:
                    samples.append((await timed("/api/conversations", {"q": q, "limit": "30"}))[0])
            print(f"  search, {label}: {latencies(samples)}")


async def run(database: str, only: str | None, c: int, n: int, rounds: int) -> None:
    fake, fake_url = start_fake()
    pg_name = None
    tmp = tempfile.TemporaryDirectory()
    if database == "postgres":
        pg_name, url = await make_postgres()
    else:
        url = f"sqlite+aiosqlite:///{tmp.name}/bench.db"
    backend = BackendProcess(
        {"OPENAI_BASE_URL": f"{fake_url}/v1", "DATABASE_URL": url}
    ).wait_ready()
    print(f"\n{database}: backend {backend.base_url} (1 uvicorn worker)")
    try:
        if only in (None, "turns"):
            await conversation_turns(backend.base_url, fake_url, c, n, rounds, pg_name)
        if only in (None, "list"):
            await list_and_search(backend.base_url, url)
    finally:
        backend.stop()
        fake.terminate()
        fake.wait()
        if pg_name:
            await drop_postgres(pg_name)
        tmp.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"], action="append")
    parser.add_argument("--only", choices=["turns", "list"])
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()
    for database in args.database or ["sqlite", "postgres"]:
        asyncio.run(run(database, args.only, args.concurrency, args.events, args.rounds))


if __name__ == "__main__":
    main()
