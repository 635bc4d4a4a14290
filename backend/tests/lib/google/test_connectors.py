"""The Google token of a turn: connector tools with a fresh token, refreshed once, never shown."""

import asyncio
import json

import httpx

from tests.backend_process import BackendProcess
from tests.fakes.oidc_provider import FakeOIDCProvider
from tests.fakes.openai_server import FakeOpenAI
from tests.fixtures.google import (
    assert_no_secrets_in_log,
    connect,
    connector_tokens,
    google_turn,
)
from tests.sse_frames import parse_frames


def test_turn_carries_both_connectors_with_the_token(
    browser: httpx.Client,
    oidc: FakeOIDCProvider,
    fake_openai: FakeOpenAI,
    google_backend: BackendProcess,
) -> None:
    connect(browser)
    response = google_turn(browser)
    assert response.status_code == 200
    body = fake_openai.requests[-1]
    connectors = [tool for tool in body["tools"] if tool.get("type") == "mcp"]
    assert [tool["server_label"] for tool in connectors] == ["GoogleCalendar", "GoogleMail"]
    assert [tool["connector_id"] for tool in connectors] == [
        "connector_googlecalendar",
        "connector_gmail",
    ]
    assert connector_tokens(body) == [oidc.issued_access_tokens[-1]] * 2
    assert all(tool["require_approval"] == "never" for tool in connectors)
    assert oidc.refreshes == 0
    assert_no_secrets_in_log(google_backend, oidc)


def test_token_never_reaches_the_browser_in_frames(
    browser: httpx.Client, oidc: FakeOIDCProvider, fake_openai: FakeOpenAI
) -> None:
    connect(browser)
    response = google_turn(browser)
    token = oidc.issued_access_tokens[-1]
    assert token not in response.text
    created = parse_frames(response.content)[0]
    assert created["event"] == "response.created"
    tools = created["data"]["response"]["tools"]
    assert [tool["authorization"] for tool in tools] == ["[redacted]", "[redacted]"]


def test_turn_without_google_has_no_connectors(
    browser: httpx.Client, oidc: FakeOIDCProvider, fake_openai: FakeOpenAI
) -> None:
    connect(browser)
    browser.post("/api/turn_response", json={"messages": [{"role": "user", "content": "hi"}]})
    assert connector_tokens(fake_openai.requests[-1]) == []


def test_turn_of_a_session_never_connected_has_no_connectors(
    browser: httpx.Client, oidc: FakeOIDCProvider, fake_openai: FakeOpenAI
) -> None:
    assert google_turn(browser).status_code == 200
    assert connector_tokens(fake_openai.requests[-1]) == []


def test_token_expiring_within_30_s_is_refreshed_before_the_turn(
    browser: httpx.Client,
    oidc: FakeOIDCProvider,
    fake_openai: FakeOpenAI,
    google_backend: BackendProcess,
) -> None:
    oidc.expires_in = 20
    connect(browser)
    first = oidc.issued_access_tokens[-1]
    google_turn(browser)
    assert oidc.refreshes == 1
    refreshed = oidc.issued_access_tokens[-1]
    assert refreshed != first
    assert connector_tokens(fake_openai.requests[-1]) == [refreshed] * 2
    # The refreshed set was kept: the next turn uses it without another refresh.
    google_turn(browser)
    assert oidc.refreshes == 1
    assert connector_tokens(fake_openai.requests[-1]) == [refreshed] * 2
    assert_no_secrets_in_log(google_backend, oidc)


def test_refused_refresh_forgets_the_tokens_and_the_turn_goes_on(
    browser: httpx.Client, oidc: FakeOIDCProvider, fake_openai: FakeOpenAI
) -> None:
    oidc.expires_in = 5
    connect(browser)
    oidc.refuse_refresh = True
    response = google_turn(browser)
    assert response.status_code == 200
    assert parse_frames(response.content)[-1]["event"] == "response.completed"
    assert connector_tokens(fake_openai.requests[-1]) == []
    assert browser.get("/api/google/status").json()["connected"] is False


async def test_concurrent_turns_spend_the_refresh_token_once(
    browser: httpx.Client,
    google_backend: BackendProcess,
    oidc: FakeOIDCProvider,
    fake_openai: FakeOpenAI,
) -> None:
    oidc.expires_in = 5
    oidc.refresh_delay = 0.3  # both turns arrive while the first refresh is under way
    connect(browser)
    body = {
        "messages": [{"role": "user", "content": "hi"}],
        "toolsState": {"googleIntegrationEnabled": True},
    }
    async with httpx.AsyncClient(
        base_url=google_backend.base_url, cookies=browser.cookies, timeout=30
    ) as http:
        responses = await asyncio.gather(
            *(http.post("/api/turn_response", json=body) for _ in range(3))
        )
    assert [r.status_code for r in responses] == [200, 200, 200]
    assert oidc.refreshes == 1
    refreshed = oidc.issued_access_tokens[-1]
    assert [connector_tokens(b) for b in fake_openai.requests] == [[refreshed] * 2] * 3


def test_upstream_body_is_the_only_place_with_the_token(
    browser: httpx.Client, oidc: FakeOIDCProvider, fake_openai: FakeOpenAI
) -> None:
    connect(browser)
    response = google_turn(browser)
    token = oidc.issued_access_tokens[-1]
    assert token in json.dumps(fake_openai.requests[-1])
    assert token not in response.text
