"""POST /api/google/disconnect."""

import httpx

from tests.fakes.oidc_provider import FakeOIDCProvider
from tests.fakes.openai_server import FakeOpenAI
from tests.fixtures.google import connect, connector_tokens, google_turn


def test_disconnect_revokes_at_the_provider_and_forgets(
    browser: httpx.Client, oidc: FakeOIDCProvider, fake_openai: FakeOpenAI
) -> None:
    connect(browser)
    response = browser.post("/api/google/disconnect")
    assert response.status_code == 200
    assert response.json() == {"connected": False}
    assert oidc.revoked == [oidc.issued_refresh_tokens[-1]]
    assert browser.get("/api/google/status").json()["connected"] is False
    google_turn(browser)
    assert connector_tokens(fake_openai.requests[-1]) == []


def test_disconnect_without_a_session_is_harmless(
    browser: httpx.Client, oidc: FakeOIDCProvider
) -> None:
    assert browser.post("/api/google/disconnect").status_code == 200
    assert oidc.revoked == []


def test_reconnect_after_disconnect_works(browser: httpx.Client, oidc: FakeOIDCProvider) -> None:
    connect(browser)
    browser.post("/api/google/disconnect")
    connect(browser)
    assert browser.get("/api/google/status").json()["connected"] is True
