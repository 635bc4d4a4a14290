"""GET /api/google/status."""

import httpx

from tests.fakes.oidc_provider import FakeOIDCProvider
from tests.fixtures.google import connect


def test_status_without_a_session_is_not_connected(browser: httpx.Client) -> None:
    response = browser.get("/api/google/status")
    assert response.json() == {"connected": False, "oauthConfigured": True}
    assert "set-cookie" not in response.headers


def test_status_after_connecting_is_connected(
    browser: httpx.Client, oidc: FakeOIDCProvider
) -> None:
    connect(browser)
    assert browser.get("/api/google/status").json() == {
        "connected": True,
        "oauthConfigured": True,
    }


def test_status_without_client_settings_says_not_configured(client: httpx.Client) -> None:
    assert client.get("/api/google/status").json() == {
        "connected": False,
        "oauthConfigured": False,
    }
