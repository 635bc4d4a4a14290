"""Body caps, the access token and per-client limits, against a real backend process."""

import base64
import json
import socket
import threading
from typing import Any

import httpx
import pytest

from lib.server.guards import client_address
from lib.server.request_body import upload_body_cap
from tests.conftest import StartBackend
from tests.fakes.openai_server import FakeOpenAI
from tests.fixtures.access import TOKEN, guarded_backend

TURN = "/api/turn_response"
UPLOAD = "/api/vector_stores/upload_file"


def turn_body(text: str = "hi") -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": text}]}


def _as(host: str) -> dict[str, str]:
    return {"x-forwarded-for": f"192.0.2.{host}"}


# --- body size ---


@pytest.fixture(scope="module")
def limited(backend_factory: StartBackend) -> str:
    """Small caps and limits; the peer is a trusted proxy, so each test's X-Forwarded-For
    address is a client of its own and the tests do not share budgets."""
    settings = {
        "MAX_REQUEST_BYTES": "4096",
        "MAX_TURN_BYTES": "4096",
        "MAX_UPLOAD_BYTES": "30000",
        "RATE_LIMIT_TURNS": "2/minute",
        "RATE_LIMIT_UPLOADS": "1/hour",
        "RATE_LIMIT_SIGN_IN": "2/minute",
        "RATE_LIMIT_FUNCTIONS": "2/minute",
        # Two, not one: a stream's place is given back just after its last byte, and a client
        # sending turns one after the other must not race it.
        "MAX_STREAMS_PER_CLIENT": "2",
        "FORWARDED_ALLOW_IPS": "127.0.0.1",
    }
    return backend_factory(settings).base_url


small_bodies = limited


def test_a_body_over_the_cap_is_a_json_413(small_bodies: str, fake_openai: FakeOpenAI) -> None:
    response = httpx.post(small_bodies + TURN, json=turn_body("x" * 5000), headers=_as("1"))
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/json"
    assert "4096 bytes" in response.json()["error"]
    assert fake_openai.requests == []


def test_a_chunked_body_over_the_cap_is_a_413(small_bodies: str, fake_openai: FakeOpenAI) -> None:
    def chunks() -> Any:
        for _ in range(10):
            yield b"x" * 1000

    headers = {"content-type": "application/json", **_as("2")}
    response = httpx.post(small_bodies + TURN, content=chunks(), headers=headers)
    assert response.status_code == 413
    assert "error" in response.json()


def test_a_body_under_the_cap_goes_through(small_bodies: str, fake_openai: FakeOpenAI) -> None:
    response = httpx.post(small_bodies + TURN, json=turn_body("x" * 3000), headers=_as("3"))
    assert response.status_code == 200


def test_the_upload_route_takes_base64_of_the_largest_file(small_bodies: str) -> None:
    content = base64.b64encode(b"\xff" * 30000).decode()
    body = json.dumps({"fileObject": {"name": "notes.txt", "content": content}})
    headers = {"content-type": "application/json", **_as("4")}
    response = httpx.post(small_bodies + UPLOAD, content=body, headers=headers)
    assert response.status_code != 413  # the route itself belongs to another issue


def test_upload_cap_fits_base64_and_the_json_around_it() -> None:
    for size in (1, 2, 3, 1000, 32 * 1024 * 1024):
        encoded = len(base64.b64encode(b"\0" * size)) if size < 10**6 else 4 * -(-size // 3)
        assert upload_body_cap(size) >= encoded + 1024


# --- access token ---


@pytest.fixture(scope="module")
def guarded(backend_factory: StartBackend) -> str:
    return guarded_backend(backend_factory)


def test_without_access_token_api_routes_are_open(
    client: httpx.Client, fake_openai: FakeOpenAI
) -> None:
    assert client.post(TURN, json=turn_body()).status_code == 200


def test_with_access_token_a_turn_without_it_is_401(guarded: str, fake_openai: FakeOpenAI) -> None:
    response = httpx.post(guarded + TURN, json=turn_body())
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert "access token" in response.json()["error"]
    assert fake_openai.requests == []


def test_a_wrong_bearer_token_is_401(guarded: str, fake_openai: FakeOpenAI) -> None:
    headers = {"authorization": f"Bearer {TOKEN[:-1]}x"}
    assert httpx.post(guarded + TURN, json=turn_body(), headers=headers).status_code == 401


def test_the_bearer_token_lets_a_turn_through(guarded: str, fake_openai: FakeOpenAI) -> None:
    headers = {"authorization": f"Bearer {TOKEN}"}
    assert httpx.post(guarded + TURN, json=turn_body(), headers=headers).status_code == 200


def test_health_and_the_oauth_callback_stay_open(guarded: str) -> None:
    assert httpx.get(guarded + "/api/health").status_code == 200
    assert httpx.get(guarded + "/api/google/callback?code=x&state=y").status_code != 401


def test_a_cors_preflight_needs_no_token(guarded: str) -> None:
    response = httpx.options(
        guarded + TURN,
        headers={
            "origin": "http://localhost:3000",
            "access-control-request-method": "POST",
            "access-control-request-headers": "content-type",
        },
    )
    assert response.status_code == 200


def test_metrics_follow_the_access_token_when_no_metrics_token_is_set(guarded: str) -> None:
    assert httpx.get(guarded + "/metrics").status_code == 401
    headers = {"authorization": f"Bearer {TOKEN}"}
    assert httpx.get(guarded + "/metrics", headers=headers).status_code == 200


def test_a_metrics_token_guards_metrics_alone(backend_factory: StartBackend) -> None:
    metrics_token = "metrics-token-for-the-scraper-0123"
    base = backend_factory({"METRICS_TOKEN": metrics_token}).base_url
    assert httpx.get(base + "/metrics").status_code == 401
    headers = {"authorization": f"Bearer {metrics_token}"}
    assert httpx.get(base + "/metrics", headers=headers).status_code == 200
    assert httpx.get(base + "/api/health").status_code == 200


def test_a_short_access_token_is_refused_at_start_up(backend_factory: StartBackend) -> None:
    with pytest.raises(RuntimeError, match="ACCESS_TOKEN"):
        backend_factory({"ACCESS_TOKEN": "short"})


# --- rate limits and stream caps (in memory; Redis in tests/test_gunicorn_conf.py) ---


def _turns(base: str, count: int, headers: dict[str, str] | None = None) -> list[httpx.Response]:
    with httpx.Client(base_url=base, headers=headers) as http:
        return [http.post(TURN, json=turn_body()) for _ in range(count)]


def test_turns_over_the_rate_limit_are_429_with_retry_after(
    limited: str, fake_openai: FakeOpenAI
) -> None:
    client = {"x-forwarded-for": "198.51.100.1"}
    statuses = [r.status_code for r in _turns(limited, 3, client)]
    assert statuses == [200, 200, 429]
    refused = _turns(limited, 1, client)[0]
    assert 0 < int(refused.headers["retry-after"]) <= 60
    assert refused.headers["content-type"] == "application/json"
    assert "Too many requests" in refused.json()["error"]
    assert len(fake_openai.requests) == 2


def test_conversation_turns_share_the_turn_rate_limit(
    limited: str, fake_openai: FakeOpenAI
) -> None:
    client = {"x-forwarded-for": "198.51.100.7"}
    with httpx.Client(base_url=limited, headers=client) as browser:
        conversation = browser.post("/api/conversations", json={}).json()["id"]
        path = f"/api/conversations/{conversation}/turns"
        first = browser.post(TURN, json=turn_body())
        second = browser.post(path, json={"text": "hi"})
        third = browser.post(path, json={"text": "again"})
    assert [first.status_code, second.status_code, third.status_code] == [200, 200, 429]
    assert "Too many requests" in third.json()["error"]


def test_behind_a_trusted_proxy_each_forwarded_address_has_its_own_limit(
    limited: str, fake_openai: FakeOpenAI
) -> None:
    first = _turns(limited, 3, {"x-forwarded-for": "203.0.113.7"})
    other = _turns(limited, 1, {"x-forwarded-for": "10.0.0.2, 203.0.113.8"})
    assert [r.status_code for r in first + other] == [200, 200, 429, 200]


def test_an_untrusted_peer_cannot_dodge_the_limit_with_x_forwarded_for(
    backend_factory: StartBackend, fake_openai: FakeOpenAI
) -> None:
    # The peer (127.0.0.1) is not the configured proxy: its header is not believed.
    base = backend_factory(
        {"RATE_LIMIT_TURNS": "1/minute", "FORWARDED_ALLOW_IPS": "192.0.2.1"}
    ).base_url
    first = _turns(base, 1, {"x-forwarded-for": "203.0.113.7"})
    other = _turns(base, 1, {"x-forwarded-for": "203.0.113.8"})
    assert [r.status_code for r in first + other] == [200, 429]


def test_one_session_on_many_addresses_gets_one_budget(
    limited: str, fake_openai: FakeOpenAI
) -> None:
    with httpx.Client(base_url=limited, headers={"x-forwarded-for": "198.51.100.20"}) as browser:
        browser.post("/api/conversations", json={})  # the browser's session and owner
        cookies = dict(browser.cookies)
    statuses = []
    for host in ("198.51.100.21", "198.51.100.22", "198.51.100.23"):
        with httpx.Client(base_url=limited, cookies=cookies) as hop:
            response = hop.post(TURN, json=turn_body(), headers={"x-forwarded-for": host})
            statuses.append(response.status_code)
    assert statuses == [200, 200, 429]
    assert "Too many requests from your session" in response.json()["error"]
    # Each of those addresses still has its own budget for everyone else.
    fresh = _turns(limited, 1, {"x-forwarded-for": "198.51.100.23"})[0]
    assert fresh.status_code == 200


def test_one_session_on_many_addresses_has_one_stream_cap(
    limited: str, fake_openai: FakeOpenAI
) -> None:
    with httpx.Client(base_url=limited, headers={"x-forwarded-for": "198.51.100.30"}) as browser:
        browser.post("/api/conversations", json={})
        cookies = dict(browser.cookies)
    started = threading.Barrier(3)
    result: list[int] = []

    def long_turn(host: str) -> None:
        with (
            httpx.Client(base_url=limited, timeout=30, cookies=cookies) as http,
            http.stream(
                "POST",
                TURN,
                json=turn_body("[[synthetic:10:100]]"),
                headers={"x-forwarded-for": host},
            ) as response,
        ):
            result.append(response.status_code)
            started.wait(10)
            response.read()

    threads = [threading.Thread(target=long_turn, args=(f"198.51.100.{31 + i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    started.wait(10)
    with httpx.Client(base_url=limited, cookies=cookies) as http:
        refused = http.post(TURN, json=turn_body(), headers={"x-forwarded-for": "198.51.100.33"})
    for thread in threads:
        thread.join(30)
    assert result == [200, 200]
    assert refused.status_code == 429
    assert "streaming to your session at once" in refused.json()["error"]


def test_sign_in_attempts_and_google_sign_in_starts_share_a_rate_limit(limited: str) -> None:
    client = {"x-forwarded-for": "198.51.100.9"}
    with httpx.Client(base_url=limited, headers=client) as browser:
        first = browser.post("/api/access", json={"token": "a-guess-of-the-token-0001"})
        second = browser.get("/api/google/auth")
        third = browser.post("/api/access", json={"token": "a-guess-of-the-token-0002"})
    assert first.status_code != 429 and second.status_code != 429
    assert third.status_code == 429
    assert int(third.headers["retry-after"]) > 0


def test_sign_in_starts_count_against_the_same_rate_limit(limited: str) -> None:
    # Each start writes a session store entry, like a Google start: store flooding stops here.
    client = {"x-forwarded-for": "198.51.100.10"}
    with httpx.Client(base_url=limited, headers=client) as browser:
        statuses = [browser.get("/api/auth/login").status_code for _ in range(3)]
    assert 429 not in statuses[:2] and statuses[2] == 429


def test_function_calls_are_rate_limited_per_client(limited: str) -> None:
    with httpx.Client(base_url=limited, headers={"x-forwarded-for": "198.51.100.11"}) as client:
        statuses = [client.get("/api/functions/get_joke").status_code for _ in range(3)]
        listing = client.get("/api/functions")
    assert statuses[2] == 429 and 429 not in statuses[:2]
    assert listing.status_code == 200  # the list of schemas reaches no service


def test_uploads_have_their_own_rate_limit(limited: str, fake_openai: FakeOpenAI) -> None:
    body = {"fileObject": {"name": "a.txt", "content": "aGk="}}
    client = {"x-forwarded-for": "198.51.100.2"}
    with httpx.Client(base_url=limited, headers=client) as http:
        first, second = (http.post(UPLOAD, json=body) for _ in range(2))
        assert first.status_code != 429
        assert second.status_code == 429
        assert int(second.headers["retry-after"]) > 60
        assert http.post(TURN, json=turn_body()).status_code != 429


def test_a_client_at_its_stream_cap_is_refused_until_one_ends(
    limited: str, fake_openai: FakeOpenAI
) -> None:
    base, client = limited, {"x-forwarded-for": "198.51.100.3"}
    started = threading.Barrier(3)
    result: list[int] = []

    def long_turn() -> None:
        with (
            httpx.Client(base_url=base, timeout=30, headers=client) as http,
            http.stream("POST", TURN, json=turn_body("[[synthetic:10:100]]")) as response,
        ):
            result.append(response.status_code)
            started.wait(10)
            response.read()

    threads = [threading.Thread(target=long_turn) for _ in range(2)]
    for thread in threads:
        thread.start()
    started.wait(10)
    refused = httpx.post(base + TURN, json=turn_body(), headers=client)
    elsewhere = httpx.post(base + TURN, json=turn_body(), headers=_as("9"))
    for thread in threads:
        thread.join(30)
    assert result == [200, 200]
    assert refused.status_code == 429
    assert refused.headers["retry-after"].isdigit()
    assert "at once" in refused.json()["error"]
    assert elsewhere.status_code == 200
    # Both places are free again; what stops this client now is its rate (2 turns a minute).
    after = httpx.post(base + TURN, json=turn_body(), headers=client)
    assert "Too many requests" in after.json()["error"]


def test_a_body_that_stops_coming_ends_with_408(backend_factory: StartBackend) -> None:
    backend = backend_factory({"BODY_READ_TIMEOUT_SECONDS": "1"})
    with socket.create_connection(("127.0.0.1", backend.port), timeout=10) as sock:
        sock.sendall(
            b"POST /api/conversations HTTP/1.1\r\nHost: test\r\n"
            b'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"title": '
        )
        answer = b""
        # The status line and the body may come in separate reads.
        while b"}" not in answer and (chunk := sock.recv(65536)):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 408")
    assert b"too slowly" in answer


@pytest.mark.parametrize(
    ("peer", "counted_as"),
    [
        ("198.51.100.7", "198.51.100.7"),
        ("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"),
        ("2001:db8:1:2::1", "2001:db8:1:2::/64"),
        ("::ffff:198.51.100.7", "198.51.100.7"),
        ("not-an-ip", "not-an-address"),
        ("198.51.100.7, 10.0.0.1", "not-an-address"),
    ],
)
def test_clients_are_counted_by_address_and_ipv6_by_its_64(peer: str, counted_as: str) -> None:
    assert client_address({"client": (peer, 1234)}) == counted_as


def test_forwarded_ipv6_addresses_of_one_64_share_a_limit(
    limited: str, fake_openai: FakeOpenAI
) -> None:
    statuses = [
        httpx.post(
            limited + TURN,
            json=turn_body(),
            headers={"x-forwarded-for": f"2001:db8:7:7::{i}"},
        ).status_code
        for i in range(1, 4)
    ]
    assert statuses == [200, 200, 429]
