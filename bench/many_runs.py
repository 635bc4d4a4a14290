"""Runs that outlive their connections: 1,000 at once on one worker, and Redis fan-out.

1. 1,000 conversation turns open at once, each an answer of N deltas 100 ms apart from the fake
   upstream. Half keep their listener to the end; the other half close it after the first
   second, and 100 of those come back at a random moment with Last-Event-ID. Checks that every
   stored answer is complete and whole, and that every listener (staying or resuming) got every
   frame once, with no gap; prints the worker's memory per open run.
2. The events/s ratio of conversation turns at C=100, N=200 against the fake served directly,
   with frames fanned out through Redis Streams (a redis-server of the benchmark's own).

    .venv/bin/python bench/many_runs.py                  # both
    .venv/bin/python bench/many_runs.py --only runs --runs 1000 --deltas 100
"""

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

BACKEND_DIR = Path(__file__).resolve().parent.parent / "backend"
sys.path.insert(0, str(BACKEND_DIR))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from conversations import conversation_turns  # noqa: E402
from many_streams import raise_open_file_limit, rss_bytes  # noqa: E402
from turn_stream import start_fake  # noqa: E402

from tests.backend_process import BackendProcess  # noqa: E402
from tests.fixtures.redis_server import RedisServer  # noqa: E402

DELTA_INTERVAL_MS = 100
# Leaving listeners close their connection after this long; resumers come back after it.
LEAVE_AFTER_SECONDS = 1.0


@dataclass
class Listener:
    """What one listener of one run saw: frame ids in order and the text of the deltas."""

    ids: list[int] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    turn_id: str | None = None
    ended: bool = False

    def take(self, block: str) -> None:
        lines = [line for line in block.split("\n") if line and not line.startswith(":")]
        fields = dict(line.split(": ", 1) for line in lines)
        if "data" not in fields:
            return
        self.ids.append(int(fields["id"]))
        frame = json.loads(fields["data"])
        if frame["event"] == "turn.started":
            self.turn_id = frame["data"]["turn_id"]
        elif frame["event"] == "response.output_text.delta":
            self.text.append(frame["data"]["delta"])
        elif frame["event"] == "turn.ended":
            self.ended = True


async def listen(response: aiohttp.ClientResponse, listener: Listener, until: float | None) -> None:
    """Reads frames into `listener` until the stream ends, or until the loop time `until`."""
    loop = asyncio.get_running_loop()
    tail = ""
    while not listener.ended:
        timeout = None if until is None else until - loop.time()
        if timeout is not None and timeout <= 0:
            return
        try:
            chunk = await asyncio.wait_for(response.content.readany(), timeout)
        except TimeoutError:
            return
        if not chunk:
            return
        *blocks, tail = (tail + chunk.decode()).split("\n\n")
        for block in blocks:
            listener.take(block)


@dataclass
class Outcome:
    gaps: int = 0
    unfinished_listeners: int = 0
    resumed: int = 0
    resumed_text_wrong: int = 0


def gap_free(ids: list[int], first: int) -> bool:
    return ids == list(range(first, first + len(ids)))


async def one_run(
    session: aiohttp.ClientSession,
    base: str,
    conversation_id: str,
    body: bytes,
    expected: str,
    stays: bool,
    resume_at: float | None,
    outcome: Outcome,
) -> None:
    loop = asyncio.get_running_loop()
    url = f"{base}/api/conversations/{conversation_id}/turns"
    first = Listener()
    async with session.post(url, data=body, headers={"content-type": "application/json"}) as resp:
        if resp.status != 200:
            raise RuntimeError(f"turn answered {resp.status}: {await resp.text()}")
        await listen(resp, first, None if stays else loop.time() + LEAVE_AFTER_SECONDS)
    if not gap_free(first.ids, 1):
        outcome.gaps += 1
    if stays:
        if not first.ended:
            outcome.unfinished_listeners += 1
        return
    if resume_at is None:
        return
    await asyncio.sleep(max(0.0, resume_at - loop.time()))
    turn_id = first.turn_id or await started_turn_id(session, base, conversation_id)
    last = first.ids[-1] if first.ids else 0
    events = f"{base}/api/conversations/{conversation_id}/turns/{turn_id}/events"
    resumed = Listener()
    async with session.get(events, headers={"Last-Event-ID": str(last)}) as resp:
        if resp.status != 200:
            raise RuntimeError(f"resume answered {resp.status}: {await resp.text()}")
        await listen(resp, resumed, None)
    outcome.resumed += 1
    if not resumed.ended or not gap_free(resumed.ids, last + 1):
        outcome.gaps += 1
    if "".join(first.text + resumed.text).strip() != expected:
        outcome.resumed_text_wrong += 1


async def started_turn_id(session: aiohttp.ClientSession, base: str, conversation_id: str) -> str:
    async with session.get(f"{base}/api/conversations/{conversation_id}") as resp:
        conversation: dict[str, Any] = await resp.json()
    return str(conversation["messages"][-1]["id"])


async def new_conversation(session: aiohttp.ClientSession, base: str) -> str:
    async with session.post(f"{base}/api/conversations", json={}) as resp:
        return str((await resp.json())["id"])


async def sample_rss(pid: int, samples: list[int], stop: asyncio.Event) -> None:
    while not stop.is_set():
        samples.append(rss_bytes(pid))
        await asyncio.sleep(0.25)


async def stored_answers(
    session: aiohttp.ClientSession, base: str, conversations: list[str], expected: str
) -> tuple[int, int, int]:
    """(complete and whole, still streaming, anything else) among the stored answers."""
    whole = streaming = other = 0
    for conversation_id in conversations:
        async with session.get(f"{base}/api/conversations/{conversation_id}") as resp:
            conversation = await resp.json()
        answer = conversation["messages"][-1]
        if answer["status"] == "streaming":
            streaming += 1
        elif answer["status"] == "completed" and answer["text"].strip() == expected:
            whole += 1
        else:
            other += 1
    return whole, streaming, other


async def many_runs(backend: BackendProcess, runs: int, deltas: int, resumers: int) -> None:
    base = backend.base_url
    rng = random.Random(12)  # noqa: S311  # when listeners come back; the same every run
    body = json.dumps({"text": f"[[synthetic:{deltas}:{DELTA_INTERVAL_MS}]]"}).encode()
    expected = "".join(f"word{i} " for i in range(deltas)).strip()
    lasts = deltas * DELTA_INTERVAL_MS / 1000
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=None, sock_read=120)
    jar = aiohttp.CookieJar(unsafe=True)  # keep the session cookie of an IP address host
    async with aiohttp.ClientSession(connector=connector, cookie_jar=jar, timeout=timeout) as s:
        # The first alone: it makes the session (and owner) the others then share.
        conversations = [await new_conversation(s, base)]
        for start in range(1, runs, 50):
            count = min(50, runs - start)
            conversations += await asyncio.gather(
                *(new_conversation(s, base) for _ in range(count))
            )
        pid = backend.process.pid
        idle = rss_bytes(pid)
        samples: list[int] = []
        stop = asyncio.Event()
        sampler = asyncio.create_task(sample_rss(pid, samples, stop))
        loop = asyncio.get_running_loop()
        begin = loop.time()
        leaving = list(range(1, runs, 2))
        coming_back = set(rng.sample(leaving, min(resumers, len(leaving))))
        outcome = Outcome()
        started = time.perf_counter()
        await asyncio.gather(
            *(
                one_run(
                    s,
                    base,
                    conversation_id,
                    body,
                    expected,
                    stays=index % 2 == 0,
                    resume_at=(
                        begin + rng.uniform(LEAVE_AFTER_SECONDS + 0.5, lasts + 2)
                        if index in coming_back
                        else None
                    ),
                    outcome=outcome,
                )
                for index, conversation_id in enumerate(conversations)
            )
        )
        # Runs without a listener go on by themselves: wait until every answer is stored.
        deadline = time.perf_counter() + lasts + 60
        while True:
            whole, streaming, other = await stored_answers(s, base, conversations, expected)
            if streaming == 0 or time.perf_counter() > deadline:
                break
            await asyncio.sleep(1)
        took = time.perf_counter() - started
        stop.set()
        await sampler
    peak = max(samples)
    print(
        f"  {runs} runs of {deltas} deltas {DELTA_INTERVAL_MS} ms apart ({lasts:.0f} s each), "
        f"done in {took:.1f} s"
    )
    print(
        f"  stored answers: {whole} complete and whole, {streaming} still streaming, "
        f"{other} otherwise"
    )
    print(
        f"  listeners: {runs // 2 + runs % 2} stayed, {outcome.resumed} resumed; "
        f"{outcome.gaps} with a gap or a repeat, {outcome.unfinished_listeners} staying listeners "
        f"cut short, {outcome.resumed_text_wrong} resumed texts not whole"
    )
    print(
        f"  worker memory: {idle / 2**20:.0f} MiB idle, {peak / 2**20:.0f} MiB at peak: "
        f"{(peak - idle) / runs / 1024:.0f} KiB per open run"
    )


async def fan_out_ratio(fake_url: str, c: int, n: int, rounds: int) -> None:
    redis = RedisServer().start()
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            "OPENAI_BASE_URL": f"{fake_url}/v1",
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp}/bench.db",
            "REDIS_URL": redis.url,
        }
        backend = BackendProcess(env).wait_ready()
        try:
            print(f"\nRedis fan-out: backend {backend.base_url}, redis-server {redis.url}")
            await conversation_turns(backend.base_url, fake_url, c, n, rounds, None)
        finally:
            backend.stop()
            redis.close()


async def run(only: str | None, runs: int, deltas: int, resumers: int) -> None:
    raise_open_file_limit(4 * runs + 1024)
    fake, fake_url = start_fake()
    try:
        if only in (None, "runs"):
            with tempfile.TemporaryDirectory() as tmp:
                env = {
                    "OPENAI_BASE_URL": f"{fake_url}/v1",
                    "DATABASE_URL": f"sqlite+aiosqlite:///{tmp}/bench.db",
                    "TURN_MAX_SECONDS": "600",
                }
                backend = BackendProcess(env).wait_ready()
                print(f"\n{runs:,} runs: backend {backend.base_url} (1 uvicorn worker, SQLite)")
                try:
                    await many_runs(backend, runs, deltas, resumers)
                finally:
                    backend.stop()
        if only in (None, "fan-out"):
            await fan_out_ratio(fake_url, 100, 200, 9)
    finally:
        fake.terminate()
        fake.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["runs", "fan-out"])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--deltas", type=int, default=100, help="deltas per answer, 100 ms apart")
    parser.add_argument("--resumers", type=int, default=100)
    args = parser.parse_args()
    asyncio.run(run(args.only, args.runs, args.deltas, args.resumers))


if __name__ == "__main__":
    main()
