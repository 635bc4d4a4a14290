"""GET /api/google/auth: the redirect to the provider, the session cookie, the missing settings."""

import httpx

from tests.backend_process import BackendProcess
from tests.conftest import StartBackend
from tests.fakes.oidc_provider import FakeOIDCProvider
from tests.fixtures.google import REDIRECT_URI, authorize, connect, google_env


def test_auth_redirects_to_the_provider_with_pkce_and_offline_access(
    browser: httpx.Client, oidc: FakeOIDCProvider
) -> None:
    authorization = authorize(browser)
    assert authorization.auth_location.startswith(f"{oidc.base_url}/authorize?")
    params = authorization.params
    assert params["response_type"] == "code"
    assert params["client_id"] == "fake-client-id"
    assert params["redirect_uri"] == REDIRECT_URI
    assert params["code_challenge_method"] == "S256"
    assert len(params["code_challenge"]) == 43
    assert "code_verifier" not in params
    assert params["access_type"] == "offline"
    assert params["include_granted_scopes"] == "true"
    assert params["prompt"] == "consent"
    assert params["scope"].split() == [
        "openid",
        "email",
        "profile",
        "https://www.googleapis.com/auth/calendar.events.readonly",
        "https://www.googleapis.com/auth/gmail.readonly",
    ]
    assert len(params["state"]) >= 20


def test_auth_sets_one_signed_http_only_lax_cookie(browser: httpx.Client) -> None:
    response = browser.get("/api/google/auth")
    cookies = response.headers.get_list("set-cookie")
    assert len(cookies) == 1
    cookie = cookies[0].lower()
    assert cookie.startswith("chat_session=")
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "secure" not in cookie  # development over plain http
    value = cookies[0].split(";")[0].split("=", 1)[1]
    session_id, _, signature = value.rpartition(".")
    assert session_id and signature


def test_a_second_auth_keeps_the_session(browser: httpx.Client) -> None:
    browser.get("/api/google/auth")
    first = browser.cookies["chat_session"]
    browser.get("/api/google/auth")
    assert browser.cookies["chat_session"] == first


def test_states_differ_per_sign_in(browser: httpx.Client, oidc: FakeOIDCProvider) -> None:
    assert authorize(browser).params["state"] != authorize(browser).params["state"]


def test_discovery_is_fetched_once_per_process(
    browser: httpx.Client, oidc: FakeOIDCProvider
) -> None:
    connect(browser)
    before = oidc.discovery_requests
    connect(browser)
    authorize(browser)
    assert oidc.discovery_requests == before


def test_auth_without_client_settings_names_them(client: httpx.Client) -> None:
    response = client.get("/api/google/auth")
    assert response.status_code == 503
    message = response.json()["error"]
    assert "GOOGLE_CLIENT_ID" in message
    assert "GOOGLE_CLIENT_SECRET" in message
    assert "set-cookie" not in response.headers


def test_production_cookie_is_secure(
    backend_factory: StartBackend, oidc_server: FakeOIDCProvider
) -> None:
    backend: BackendProcess = backend_factory(
        {**google_env(oidc_server, "memory://"), "NODE_ENV": "production"}
    )
    response = httpx.get(f"{backend.base_url}/api/google/auth")
    assert response.status_code == 302
    assert "; secure" in response.headers["set-cookie"].lower()
