"""Runs across workers and machines: two backend processes on one PostgreSQL and one Redis.

A turn started on one is resumed and cancelled on the other, and a worker killed mid-run ends
its run `incomplete` for listeners elsewhere, by its missing heartbeat.
"""

import time
from collections.abc import Iterator

import httpx
import pytest

from tests.api.test_turns import events, frames_of, wait_until_ended
from tests.backend_process import BackendProcess
from tests.conftest import StartBackend
from tests.fixtures.redis_server import RedisServer

RUNS_REDIS_DB = 2


@pytest.fixture
def pair(
    backend_factory: StartBackend, postgres_url: str, redis_server: RedisServer
) -> tuple[BackendProcess, BackendProcess]:
    url = f"redis://127.0.0.1:{redis_server.port}/{RUNS_REDIS_DB}"
    # Sessions in the same Redis: the browser is the same owner on either machine.
    env = {"DATABASE_URL": postgres_url, "SESSION_STORE_URL": url, "REDIS_URL": url}
    return backend_factory(env), backend_factory(env)


@pytest.fixture
def browsers(
    pair: tuple[BackendProcess, BackendProcess],
) -> Iterator[tuple[httpx.Client, httpx.Client]]:
    first, second = pair
    with httpx.Client(base_url=first.base_url, timeout=30) as one:
        conversation = one.post("/api/conversations", json={})
        assert conversation.status_code == 201
        with httpx.Client(base_url=second.base_url, cookies=one.cookies, timeout=30) as two:
            yield one, two


def start(one: httpx.Client, text: str) -> tuple[str, str, httpx.Response, Iterator[bytes], bytes]:
    conversation_id = one.post("/api/conversations", json={}).json()["id"]
    request = one.build_request(
        "POST", f"/api/conversations/{conversation_id}/turns", json={"text": text}
    )
    response = one.send(request, stream=True)
    chunks = response.iter_bytes()
    seen = b""
    while seen.count(b'"event": "response.output_text.delta"') < 3 or not seen.endswith(b"\n\n"):
        seen += next(chunks)
    return conversation_id, response.headers["x-turn-id"], response, chunks, seen


def test_a_turn_started_on_one_machine_resumes_on_the_other(
    browsers: tuple[httpx.Client, httpx.Client],
) -> None:
    one, two = browsers
    conversation_id, turn_id, response, _, seen = start(one, "[[synthetic:30:40]]")
    response.close()
    first = frames_of(seen)
    rest = events(two, conversation_id, turn_id, headers={"Last-Event-ID": str(first[-1][0])})
    assert rest.status_code == 200
    whole = frames_of(events(two, conversation_id, turn_id).content)
    assert first + frames_of(rest.content) == whole
    assert whole[-1][1]["data"]["status"] == "completed"


def test_a_turn_started_on_one_machine_is_cancelled_from_the_other(
    browsers: tuple[httpx.Client, httpx.Client],
) -> None:
    one, two = browsers
    conversation_id, turn_id, response, chunks, seen = start(one, "[[synthetic:400:50]]")
    cancel = two.post(f"/api/conversations/{conversation_id}/turns/{turn_id}/cancel")
    assert cancel.status_code == 202
    rest = b"".join(chunks)
    response.close()
    assert frames_of(seen + rest)[-1][1]["data"]["status"] == "cancelled"
    assert wait_until_ended(two, conversation_id, turn_id)["status"] == "cancelled"


def test_a_killed_worker_s_run_ends_incomplete_for_listeners_elsewhere(
    pair: tuple[BackendProcess, BackendProcess], browsers: tuple[httpx.Client, httpx.Client]
) -> None:
    one, two = browsers
    conversation_id, turn_id, response, _, _ = start(one, "[[synthetic:400:50]]")
    with two.stream(
        "GET", f"/api/conversations/{conversation_id}/turns/{turn_id}/events"
    ) as listener:
        chunks = listener.iter_bytes()
        heard = next(chunks)
        pair[0].process.kill()
        killed = time.monotonic()
        heard += b"".join(chunks)
        ended_after = time.monotonic() - killed
    response.close()
    frames = frames_of(heard)
    assert frames[-2][1]["data"]["error"]["code"] == "worker_lost"
    assert frames[-1][1] == {
        "event": "turn.ended",
        "data": {"type": "turn.ended", "status": "incomplete", "usage": None},
    }
    assert [number for number, _ in frames] == list(range(1, len(frames) + 1))
    assert ended_after < 10
    assert wait_until_ended(two, conversation_id, turn_id)["status"] == "incomplete"
