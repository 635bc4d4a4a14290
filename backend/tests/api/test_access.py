"""GET and POST /api/access: the sign-in page of a deployment protected by ACCESS_TOKEN."""

from typing import Any

import httpx
import pytest

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
