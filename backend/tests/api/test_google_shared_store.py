"""Several backend processes on one Redis, and a Redis that goes away or freezes."""

import asyncio
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.backend_process import BackendProcess
from tests.conftest import StartBackend
from tests.fakes.oidc_provider import FakeOIDCProvider
from tests.fakes.openai_server import FakeOpenAI
from tests.fixtures.google import (
    FRONTEND,
    assert_no_secrets_in_log,
    authorize,
    callback,
    connector_tokens,
    google_env,
    google_turn,
)
from tests.fixtures.redis_server import RedisServer


@pytest.fixture(scope="module")
def two_processes(
    backend_factory: StartBackend, oidc_server: FakeOIDCProvider, redis_server: RedisServer
) -> tuple[BackendProcess, BackendProcess]:
    """Two backends sharing one Redis, as two machines behind a load balancer would."""
    env = google_env(oidc_server, redis_server.url)
    return backend_factory(env), backend_factory(env)


def test_flow_started_on_one_process_finishes_on_another(
    two_processes: tuple[BackendProcess, BackendProcess],
    oidc: FakeOIDCProvider,
    fake_openai: FakeOpenAI,
) -> None:
    first, second = two_processes
    with httpx.Client(base_url=first.base_url) as browser:
        authorization = authorize(browser)
        cookie = browser.cookies["chat_session"]
    with httpx.Client(base_url=second.base_url, cookies={"chat_session": cookie}) as browser:
        assert callback(browser, authorization.callback) == f"{FRONTEND}/?connected=1"
        assert browser.get("/api/google/status").json()["connected"] is True
        # The sign-in gave the browser a new session id (no fixation): it is what travels on.
        cookie = browser.cookies.get("chat_session", domain="127.0.0.1") or ""
    with httpx.Client(base_url=first.base_url, cookies={"chat_session": cookie}) as browser:
        google_turn(browser)
    assert connector_tokens(fake_openai.requests[-1]) == [oidc.issued_access_tokens[-1]] * 2
    assert_no_secrets_in_log(first, oidc)
    assert_no_secrets_in_log(second, oidc)


async def test_two_processes_refresh_once_between_them(
    two_processes: tuple[BackendProcess, BackendProcess],
    oidc: FakeOIDCProvider,
    fake_openai: FakeOpenAI,
) -> None:
    first, second = two_processes
    oidc.expires_in = 5
    oidc.refresh_delay = 0.3
    with httpx.Client(base_url=first.base_url) as browser:
        authorization = authorize(browser)
        callback(browser, authorization.callback)
        cookie = browser.cookies["chat_session"]
    body = {
        "messages": [{"role": "user", "content": "hi"}],
        "toolsState": {"googleIntegrationEnabled": True},
    }

    async def turn(backend: BackendProcess) -> int:
        async with httpx.AsyncClient(
            base_url=backend.base_url, cookies={"chat_session": cookie}, timeout=30
        ) as http:
            return (await http.post("/api/turn_response", json=body)).status_code

    assert list(await asyncio.gather(turn(first), turn(second), turn(first))) == [200] * 3
    assert oidc.refreshes == 1
    refreshed = oidc.issued_access_tokens[-1]
    assert [connector_tokens(b) for b in fake_openai.requests] == [[refreshed] * 2] * 3


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    server = RedisServer().start()
    yield server
    server.close()


def test_redis_down_answers_503_keeps_turns_and_recovers(
    backend_factory: StartBackend,
    oidc: FakeOIDCProvider,
    fake_openai: FakeOpenAI,
    own_redis: RedisServer,
) -> None:
    backend = backend_factory(google_env(oidc, own_redis.url))
    with httpx.Client(base_url=backend.base_url, timeout=30) as browser:
        authorization = authorize(browser)
        callback(browser, authorization.callback)
        own_redis.stop()
        status = browser.get("/api/google/status")
        assert status.status_code == 503
        assert "session store" in status.json()["error"]
        assert browser.get("/api/google/auth").status_code == 503
        assert browser.post("/api/google/disconnect").status_code == 503
        failures = [
            line
            for line in browser.get("/metrics").text.splitlines()
            if line.startswith("session_store_errors_total{")
        ]
        assert failures and all(float(line.rsplit(" ", 1)[1]) > 0 for line in failures)
        # Turns go on: without Google they never ask the store, with it they skip the connectors.
        plain = browser.post(
            "/api/turn_response", json={"messages": [{"role": "user", "content": "hi"}]}
        )
        assert plain.status_code == 200
        assert google_turn(browser).status_code == 200
        assert connector_tokens(fake_openai.requests[-1]) == []
        own_redis.start()  # same port, empty: the session is gone but the service is back
        assert browser.get("/api/google/status").json()["connected"] is False
        authorization = authorize(browser)
        assert callback(browser, authorization.callback) == f"{FRONTEND}/?connected=1"


def test_frozen_redis_answers_503_within_seconds(
    backend_factory: StartBackend, oidc: FakeOIDCProvider, own_redis: RedisServer
) -> None:
    backend = backend_factory(google_env(oidc, own_redis.url))
    with httpx.Client(base_url=backend.base_url, timeout=30) as browser:
        authorize(browser)
        own_redis.freeze()
        try:
            started = time.monotonic()
            assert browser.get("/api/google/status").status_code == 503
            assert time.monotonic() - started < 3
            # Health and turns without Google do not wait for the store at all.
            started = time.monotonic()
            plain = browser.post(
                "/api/turn_response", json={"messages": [{"role": "user", "content": "hi"}]}
            )
            assert plain.status_code == 200
            assert time.monotonic() - started < 1.5
        finally:
            own_redis.thaw()
        assert browser.get("/api/google/status").status_code == 200
