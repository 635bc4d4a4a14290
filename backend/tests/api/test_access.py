"""GET and POST /api/access: the sign-in page of a deployment protected by ACCESS_TOKEN."""

import hashlib
import hmac
import time
from typing import Any

import httpx
import pytest
from itsdangerous import TimestampSigner
from pydantic import SecretStr

from lib.server.access import COOKIE_MAX_AGE_SECONDS, cookie_value, has_access
from tests.conftest import StartBackend
from tests.fakes.openai_server import FakeOpenAI
from tests.fixtures.access import TOKEN, guarded_backend

TURN = "/api/turn_response"


def turn_body() -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": "hi"}]}


@pytest.fixture(scope="module")
def guarded(backend_factory: StartBackend) -> str:
    return guarded_backend(backend_factory)


def test_without_an_access_token_nothing_is_required(client: httpx.Client) -> None:
    assert client.get("/api/access").json() == {"required": False, "granted": True}


def test_signing_in_sets_an_http_only_cookie_that_opens_the_api(
    guarded: str, fake_openai: FakeOpenAI
) -> None:
    with httpx.Client(base_url=guarded) as browser:
        assert browser.get("/api/access").json() == {"required": True, "granted": False}
        wrong = browser.post("/api/access", json={"token": "not-the-token-at-all-000"})
        assert wrong.status_code == 401 and "error" in wrong.json()
        right = browser.post("/api/access", json={"token": TOKEN})
        assert right.status_code == 200
        set_cookie = right.headers["set-cookie"].lower()
        assert "httponly" in set_cookie and "samesite=lax" in set_cookie
        assert TOKEN.lower() not in set_cookie
        assert browser.get("/api/access").json() == {"required": True, "granted": True}
        assert browser.post(TURN, json=turn_body()).status_code == 200


def test_a_malformed_cookie_before_the_access_cookie_does_not_hide_it(
    guarded: str, fake_openai: FakeOpenAI
) -> None:
    with httpx.Client(base_url=guarded) as browser:
        browser.post("/api/access", json={"token": TOKEN})
        signed = browser.cookies["chat_access"]
    # An analytics cookie with a stray quote: the guard and GET /api/access must read past it
    # alike, or the page loops between "granted" and a refused turn.
    cookie = f'_ga="GA1.2;x; chat_access={signed}'
    headers = {"cookie": cookie}
    assert httpx.get(guarded + "/api/access", headers=headers).json()["granted"] is True
    assert httpx.post(guarded + TURN, json=turn_body(), headers=headers).status_code == 200


def test_each_browser_gets_its_own_signed_cookie_that_expires(
    guarded: str, fake_openai: FakeOpenAI
) -> None:
    cookies = []
    for _ in range(2):
        with httpx.Client(base_url=guarded) as browser:
            response = browser.post("/api/access", json={"token": TOKEN})
            assert "max-age=" in response.headers["set-cookie"].lower()
            cookies.append(browser.cookies["chat_access"])
    assert cookies[0] != cookies[1]
    # A cookie of the old kind (the same HMAC for everybody, forever) no longer opens anything.
    shared = hmac.new(TOKEN.encode(), b"chat-access-cookie", hashlib.sha256).hexdigest()
    headers = {"cookie": f"chat_access={shared}"}
    assert httpx.post(guarded + TURN, json=turn_body(), headers=headers).status_code == 401


def test_an_access_cookie_older_than_its_max_age_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    token = SecretStr(TOKEN)
    month_ago = int(time.time()) - COOKIE_MAX_AGE_SECONDS - 60
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: month_ago)
    old = cookie_value(token)
    monkeypatch.undo()
    assert not has_access(token, cookie_header=f"chat_access={old}", authorization=None)
    fresh = cookie_value(token)
    assert has_access(token, cookie_header=f"chat_access={fresh}", authorization=None)
