"""AUTH_REQUIRED=true: /api/* needs a signed-in user, bar health, signing in and the Google
callback; ACCESS_TOKEN still lets scripts in as a bearer token."""

from collections.abc import Iterator

import httpx
import pytest

from tests.backend_process import BackendProcess
from tests.conftest import StartBackend
from tests.fakes.oidc_provider import FakeOIDCProvider
from tests.fakes.openai_server import FakeOpenAI
from tests.fixtures.access import TOKEN
from tests.fixtures.oidc import SIGNED_IN, identity, me, sign_in, sign_in_env

# Every kind of route: conversations, a turn, models, usage, functions, vector stores, Google.
GUARDED = [
    ("GET", "/api/conversations"),
    ("POST", "/api/conversations"),
    ("POST", "/api/turn_response"),
    ("GET", "/api/models"),
    ("GET", "/api/usage"),
    ("GET", "/api/functions/get_joke"),
    ("GET", "/api/vector_stores/list_files?vector_store_id=vs_1"),
    ("GET", "/api/google/status"),
    ("GET", "/api/google/auth"),
]


@pytest.fixture(scope="module")
def required_backend(
    backend_factory: StartBackend, oidc_server: FakeOIDCProvider
) -> BackendProcess:
    return backend_factory(sign_in_env(oidc_server, AUTH_REQUIRED="true", ACCESS_TOKEN=TOKEN))


@pytest.fixture
def browser(required_backend: BackendProcess) -> Iterator[httpx.Client]:
    """A browser that has been let in with the access token (its page's first step)."""
    with httpx.Client(base_url=required_backend.base_url, timeout=30) as http:
        assert http.post("/api/access", json={"token": TOKEN}).status_code == 200
        yield http


def send(client: httpx.Client, method: str, path: str, **kwargs: object) -> httpx.Response:
    body = {"messages": [{"role": "user", "content": "hi"}]} if method == "POST" else None
    return client.request(method, path, json=body, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(("method", "path"), GUARDED)
def test_every_api_route_needs_a_signed_in_user(
    browser: httpx.Client, method: str, path: str
) -> None:
    response = send(browser, method, path)
    assert response.status_code == 401
    assert response.json() == {"error": "Sign in to use this service."}


def test_health_sign_in_and_the_google_callback_stay_open(
    required_backend: BackendProcess, browser: httpx.Client
) -> None:
    assert browser.get("/api/health").status_code == 200
    assert browser.get("/api/access").status_code == 200
    assert me(browser) == {
        "user": None,
        "login_required": True,
        "login_available": True,
        "admin": False,
    }
    assert browser.get("/api/auth/login").status_code == 302
    assert browser.get("/api/google/callback").status_code == 302
    # Without the access cookie, health is still open to load balancers.
    assert httpx.get(f"{required_backend.base_url}/api/health").status_code == 200


def test_a_signed_in_user_gets_in_and_a_signed_out_one_no_longer(
    browser: httpx.Client, oidc: FakeOIDCProvider, fake_openai: FakeOpenAI
) -> None:
    assert sign_in(browser, oidc, identity("quinn")) == SIGNED_IN
    assert me(browser)["user"]["email"] == "quinn@example.com"
    created = browser.post("/api/conversations", json={"title": "Quinn's"})
    assert created.status_code == 201
    assert browser.get("/api/conversations").status_code == 200
    assert send(browser, "POST", "/api/turn_response").status_code == 200
    assert browser.post("/api/auth/logout").status_code == 204
    assert browser.get("/api/conversations").status_code == 401


def test_a_script_with_the_access_token_as_bearer_gets_in(
    required_backend: BackendProcess, fake_openai: FakeOpenAI
) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    with httpx.Client(base_url=required_backend.base_url, headers=headers) as script:
        assert script.get("/api/conversations").status_code == 200
        assert send(script, "POST", "/api/turn_response").status_code == 200


def test_a_wrong_bearer_token_does_not(required_backend: BackendProcess) -> None:
    headers = {"Authorization": "Bearer not-the-access-token-at-all"}
    with httpx.Client(base_url=required_backend.base_url, headers=headers) as script:
        assert script.get("/api/conversations").status_code == 401


def test_the_access_cookie_alone_is_not_a_sign_in(browser: httpx.Client) -> None:
    # The cookie of POST /api/access opens the access token's guard, not the sign-in's.
    assert "chat_access" in browser.cookies
    assert browser.get("/api/conversations").status_code == 401


def test_a_forged_session_cookie_is_no_user(browser: httpx.Client) -> None:
    browser.cookies.set("chat_session", "made-up-id.c2lnbmF0dXJl", domain="127.0.0.1")
    assert browser.get("/api/conversations").status_code == 401
