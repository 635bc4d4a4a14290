"""Production as it runs: gunicorn (gunicorn.conf.py) with two uvicorn workers and Redis,
which the workers share sessions and limits through."""

import asyncio
import json
import os
import re
import signal
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.conftest import StartBackend
from tests.fakes.oidc_provider import FakeOIDCProvider
from tests.fakes.openai_server import FakeOpenAI
from tests.fixtures.google import FRONTEND, google_env, query
from tests.fixtures.gunicorn_process import GunicornProcess, StartGunicorn
from tests.fixtures.redis_server import RedisServer
from tests.sse_frames import parse_frames

SECRET_TEXT = "my-private-words-7f3a"
TOKEN = "production-access-token-0123456789"


@dataclass
class Stream:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    local_port: int
    head: bytes = b""


async def open_stream(port: int, text: str, headers: dict[str, str] | None = None) -> Stream:
    """A turn on its own connection, read up to its response head (the worker has it then)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    body = json.dumps({"messages": [{"role": "user", "content": text}]}).encode()
    extra = "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items())
    writer.write(
        f"POST /api/turn_response HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n{extra}\r\n".encode()
        + body
    )
    await writer.drain()
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 20)
    return Stream(reader, writer, writer.get_extra_info("sockname")[1], head)


async def read_rest(stream: Stream) -> tuple[bytes, bool]:
    """The rest of the body, and whether it ended cleanly (last chunk, then the close)."""
    data = b""
    try:
        while chunk := await asyncio.wait_for(stream.reader.read(65536), 30):
            data += chunk
    except (ConnectionError, asyncio.IncompleteReadError):
        return data, False
    finally:
        stream.writer.close()
    return data, data.endswith(b"0\r\n\r\n")


def dechunk(data: bytes) -> bytes:
    body, rest = b"", data
    while rest:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line, 16)
        if size == 0:
            break
        body, rest = body + rest[:size], rest[size + 2 :]
    return body


def _socket_inode(server_port: int, client_port: int) -> str | None:
    # The server side of our connection: local = the server's port, remote = our port.
    wanted = (f"{server_port:04X}", f"{client_port:04X}")
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote, inode = fields[1], fields[2], fields[9]
        if (local.split(":")[1], remote.split(":")[1]) == wanted and inode != "0":
            return inode
    return None


def owner(gunicorn: GunicornProcess, stream: Stream) -> int | None:
    """The worker holding the stream's connection."""
    inode = _socket_inode(gunicorn.port, stream.local_port)
    for pid in gunicorn.workers():
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                if os.readlink(fd) == f"socket:[{inode}]":
                    return pid
            except OSError:
                continue
    return None


def _sample(metrics: str, sample: str) -> float:
    match = re.search(rf"^{re.escape(sample)} (\S+)$", metrics, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


async def test_a_killed_worker_loses_only_its_own_streams(
    gunicorn_factory: StartGunicorn, redis_url: str, fake_openai: FakeOpenAI
) -> None:
    # --timeout 2: the streams outlive gunicorn's worker timeout, which must not end them.
    gunicorn = gunicorn_factory({"SESSION_STORE_URL": redis_url}, ["--timeout", "2"])
    streams: dict[int, list[Stream]] = {}
    for _ in range(40):
        stream = await open_stream(gunicorn.port, "[[synthetic:60:50]]")
        pid = owner(gunicorn, stream)
        assert pid is not None
        streams.setdefault(pid, []).append(stream)
        if len(streams) == 2 and all(len(held) >= 2 for held in streams.values()):
            break
    assert len(streams) == 2, "the kernel gave every connection to one worker"
    killed, survivor = streams
    os.kill(killed, signal.SIGKILL)

    lost = await asyncio.gather(*(read_rest(s) for s in streams[killed]))
    kept = await asyncio.gather(*(read_rest(s) for s in streams[survivor]))
    assert not any(b"response.completed" in data for data, _ in lost)
    for data, clean in kept:
        assert clean
        assert parse_frames(dechunk(data))[-1]["event"] == "response.completed"

    # The master replaces the worker, and the dead one's open streams stop being counted.
    gunicorn.wait_for_workers(3)
    async with httpx.AsyncClient(base_url=gunicorn.base_url) as http:
        response = await http.post("/api/turn_response", json={"messages": []})
        assert response.status_code == 200
        assert await _open_streams_settle_at_zero(http)


async def _open_streams_settle_at_zero(http: httpx.AsyncClient) -> bool:
    # A stream is counted until its clean-up, just after its last byte reached us.
    for _ in range(50):
        if _sample((await http.get("/metrics")).text, "turn_open_streams") == 0:
            return True
        await asyncio.sleep(0.1)
    return False


async def test_sigterm_lets_short_streams_finish_and_ends_long_ones_with_an_error_frame(
    gunicorn_factory: StartGunicorn, redis_url: str, fake_openai: FakeOpenAI
) -> None:
    gunicorn = gunicorn_factory({"SESSION_STORE_URL": redis_url, "GRACEFUL_TIMEOUT": "1"})
    short = [await open_stream(gunicorn.port, "[[synthetic:8:50]]") for _ in range(2)]
    long = [await open_stream(gunicorn.port, "[[synthetic:400:50]]") for _ in range(4)]
    gunicorn.terminate()

    for data, clean in await asyncio.gather(*(read_rest(s) for s in short)):
        assert clean
        assert parse_frames(dechunk(data))[-1]["event"] == "response.completed"
    for data, clean in await asyncio.gather(*(read_rest(s) for s in long)):
        assert clean
        frames = parse_frames(dechunk(data))
        assert frames[-1] == {
            "event": "error",
            "data": {
                "type": "error",
                "error": {
                    "type": "server_error",
                    "code": "server_shutting_down",
                    "message": "The server is restarting; send your message again.",
                },
            },
        }
        assert len(frames) < 400
    assert gunicorn.process.wait(timeout=20) == 0


async def test_limits_are_shared_by_every_worker_and_machine_through_redis(
    gunicorn_factory: StartGunicorn,
    backend_factory: StartBackend,
    redis_server: RedisServer,
    redis_url: str,
    fake_openai: FakeOpenAI,
) -> None:
    settings = {
        "SESSION_STORE_URL": redis_url,
        "RATE_LIMIT_TURNS": "3/minute",
        "MAX_STREAMS_PER_CLIENT": "1",
    }
    one = gunicorn_factory(settings).base_url
    other = backend_factory(settings).base_url  # a second machine, as far as limits can tell
    body = {"messages": [{"role": "user", "content": "hi"}]}
    slow = {"messages": [{"role": "user", "content": "[[synthetic:20:50]]"}]}

    async with httpx.AsyncClient(timeout=30) as http:
        # Stream cap: one stream open on the first machine fills this client's one place.
        async with http.stream("POST", one + "/api/turn_response", json=slow) as streaming:
            assert streaming.status_code == 200
            capped = await http.post(other + "/api/turn_response", json=body)
            await streaming.aread()
        assert capped.status_code == 429
        # The place is given back just after the last byte; wait for it rather than race it.
        for _ in range(100):
            if not redis_server.client.keys("chat-limits:streams:*"):
                break
            await asyncio.sleep(0.05)
        # Rate: the stream above was turn 1 of 3; the capped one did not count.
        statuses = [
            (await http.post(base + "/api/turn_response", json=body)).status_code
            for base in (other, one, other)
        ]
    assert statuses == [200, 200, 429]


async def test_production_logs_are_json_lines_with_the_request_id_and_no_secrets(
    gunicorn_factory: StartGunicorn, redis_url: str, fake_openai: FakeOpenAI
) -> None:
    gunicorn = gunicorn_factory(
        {"SESSION_STORE_URL": redis_url, "NODE_ENV": "production", "ACCESS_TOKEN": TOKEN}
    )
    auth = {"authorization": f"Bearer {TOKEN}"}
    # Streams held open until both workers have some: the kernel may hand one worker every
    # connection that arrives while it is idle.
    streams: dict[int | None, list[Stream]] = {}
    for _ in range(40):
        stream = await open_stream(gunicorn.port, f"{SECRET_TEXT} [[synthetic:10:100]]", auth)
        streams.setdefault(owner(gunicorn, stream), []).append(stream)
        if len(streams) == 2 and None not in streams:
            break
    assert len(streams) == 2 and None not in streams, "every connection went to one worker"
    opened = [stream for held in streams.values() for stream in held]
    for stream in opened:
        assert stream.head.startswith(b"HTTP/1.1 200")
        assert (await read_rest(stream))[1]
    ids = [
        line.split(b":", 1)[1].strip().decode()
        for stream in opened
        for line in stream.head.split(b"\r\n")
        if line.lower().startswith(b"x-request-id:")
    ]
    assert len(ids) == len(opened)

    # Every worker's counts, whichever worker answers the scrape.
    for _ in range(3):
        async with httpx.AsyncClient(base_url=gunicorn.base_url, headers=auth) as http:
            metrics = (await http.get("/metrics")).text
        sample = 'http_requests_total{method="POST",route="/api/turn_response",status="200"}'
        assert _sample(metrics, sample) == len(opened)

    gunicorn.terminate()
    gunicorn.process.wait(timeout=20)
    output = gunicorn.output()
    lines = [json.loads(line) for line in output.splitlines() if line.strip()]
    assert {line["level"] for line in lines} >= {"INFO"}
    logged_ids = {line.get("request_id") for line in lines}
    assert set(ids) <= logged_ids
    assert len({line["process"] for line in lines if line.get("name") == "access"}) == 2
    for secret in (SECRET_TEXT, TOKEN, "sk-test-not-a-real-key"):
        assert secret not in output


def _serving_process(output: str, request_id: str) -> int | None:
    for line in output.splitlines():
        if line.startswith("{"):
            record = json.loads(line)
            if record.get("request_id") == request_id and record.get("name") == "access":
                return int(record["process"])
    return None


def test_a_google_sign_in_started_on_one_worker_finishes_on_the_other(
    gunicorn_factory: StartGunicorn, redis_url: str, oidc: FakeOIDCProvider
) -> None:
    env = {k: v for k, v in google_env(oidc, redis_url).items() if v is not None}
    gunicorn = gunicorn_factory({**env, "LOG_FORMAT": "json"})
    # A new connection for every request, so the kernel may hand each to either worker.
    fresh = httpx.Limits(max_keepalive_connections=0)
    crossed = False
    for _ in range(20):
        with httpx.Client(base_url=gunicorn.base_url, limits=fresh, timeout=30) as browser:
            started = browser.get("/api/google/auth")
            assert started.status_code in (302, 307)
            answer = httpx.get(started.headers["location"], timeout=10)
            finished = browser.get("/api/google/callback", params=query(answer.headers["location"]))
            assert finished.headers["location"] == f"{FRONTEND}/?connected=1"
            assert browser.get("/api/google/status").json()["connected"] is True
        output = gunicorn.output()
        where = [
            _serving_process(output, response.headers["x-request-id"])
            for response in (started, finished)
        ]
        assert None not in where
        if where[0] != where[1]:
            crossed = True
            break
    assert crossed, "every sign-in was served by one worker from start to end"


async def test_sigterm_ends_a_running_conversation_turn_incomplete_with_what_it_stored(
    gunicorn_factory: StartGunicorn,
    backend_factory: StartBackend,
    fake_openai: FakeOpenAI,
    tmp_path: Path,
) -> None:
    env = {
        "GRACEFUL_TIMEOUT": "1",
        "WEB_CONCURRENCY": "1",
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/app.db",
        "SESSION_STORE_URL": f"sqlite:///{tmp_path}/sessions.db",
    }
    gunicorn = gunicorn_factory(env)
    async with httpx.AsyncClient(base_url=gunicorn.base_url) as browser:
        conversation = (await browser.post("/api/conversations", json={})).json()["id"]
        cookie = browser.cookies["chat_session"]
    reader, writer = await asyncio.open_connection("127.0.0.1", gunicorn.port)
    body = json.dumps({"text": "[[synthetic:400:50]]"}).encode()
    writer.write(
        f"POST /api/conversations/{conversation}/turns HTTP/1.1\r\nHost: test\r\n"
        f"Content-Type: application/json\r\nCookie: chat_session={cookie}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
        + body
    )
    await writer.drain()
    await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 20)
    await asyncio.sleep(0.5)  # some of the answer has streamed
    gunicorn.terminate()
    data, clean = await read_rest(Stream(reader, writer, 0, b""))
    assert clean
    frames = [
        json.loads(line[6:])
        for line in dechunk(data).decode().splitlines()
        if line.startswith("data: ")
    ]
    assert frames[-2]["data"]["error"]["code"] == "server_shutting_down"
    assert frames[-1]["event"] == "turn.ended"
    assert frames[-1]["data"]["status"] == "incomplete"
    assert gunicorn.process.wait(timeout=20) == 0

    after = backend_factory({k: v for k, v in env.items() if k not in ("GRACEFUL_TIMEOUT",)})
    async with httpx.AsyncClient(base_url=after.base_url, cookies={"chat_session": cookie}) as b:
        answer = (await b.get(f"/api/conversations/{conversation}")).json()["messages"][-1]
    assert answer["status"] == "incomplete"
    assert answer["text"].startswith("word0 word1")
