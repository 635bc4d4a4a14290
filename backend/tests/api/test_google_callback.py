"""GET /api/google/callback: every outcome is a redirect to the web client."""

import httpx

from tests.backend_process import BackendProcess
from tests.fakes.oidc_provider import FakeOIDCProvider
from tests.fixtures.google import (
    FRONTEND,
    assert_no_secrets_in_log,
    authorize,
    callback,
    connect,
)


def status(browser: httpx.Client) -> dict[str, bool]:
    response = browser.get("/api/google/status")
    assert response.status_code == 200
    result: dict[str, bool] = response.json()
    return result


def test_callback_success_connects_the_session(
    browser: httpx.Client, oidc: FakeOIDCProvider, google_backend: BackendProcess
) -> None:
    authorization = connect(browser)
    assert status(browser) == {"connected": True, "oauthConfigured": True}
    exchange = oidc.token_requests[-1]
    assert exchange["grant_type"] == "authorization_code"
    assert exchange["code_verifier"]
    assert_no_secrets_in_log(google_backend, oidc)
    # The one-time code came in the callback's query string, which no log line may keep.
    assert authorization.callback["code"] not in google_backend.output()


def test_tokens_never_reach_the_browser(browser: httpx.Client, oidc: FakeOIDCProvider) -> None:
    authorization = authorize(browser)
    response = browser.get("/api/google/callback", params=authorization.callback)
    seen = response.text + str(response.headers) + str(dict(browser.cookies))
    seen += browser.get("/api/google/status").text
    for token in [*oidc.issued_access_tokens, *oidc.issued_refresh_tokens]:
        assert token not in seen


def test_wrong_state_is_refused_and_no_code_is_exchanged(
    browser: httpx.Client, oidc: FakeOIDCProvider
) -> None:
    authorization = authorize(browser)
    params = {**authorization.callback, "state": "not-the-state"}
    assert callback(browser, params) == f"{FRONTEND}/?error=invalid_state"
    assert oidc.token_requests == []
    assert status(browser)["connected"] is False


def test_replayed_state_is_refused(browser: httpx.Client, oidc: FakeOIDCProvider) -> None:
    authorization = connect(browser)
    assert callback(browser, authorization.callback) == f"{FRONTEND}/?error=invalid_state"
    assert len(oidc.token_requests) == 1


def test_state_is_consumed_by_a_failed_exchange_too(
    browser: httpx.Client, oidc: FakeOIDCProvider
) -> None:
    authorization = authorize(browser)
    oidc.fail_token_endpoint = True
    assert callback(browser, authorization.callback) == f"{FRONTEND}/?error=oauth_failed"
    oidc.fail_token_endpoint = False
    assert callback(browser, authorization.callback) == f"{FRONTEND}/?error=invalid_state"


def test_state_from_another_browser_is_refused(
    browser: httpx.Client, google_backend: BackendProcess, oidc: FakeOIDCProvider
) -> None:
    authorization = authorize(browser)
    with httpx.Client(base_url=google_backend.base_url) as other:
        other.get("/api/google/auth")  # a session of its own, without this state
        assert callback(other, authorization.callback) == f"{FRONTEND}/?error=invalid_state"
    assert oidc.token_requests == []


def test_callback_without_a_session_says_so(
    google_backend: BackendProcess, browser: httpx.Client, oidc: FakeOIDCProvider
) -> None:
    authorization = authorize(browser)
    with httpx.Client(base_url=google_backend.base_url) as stranger:
        assert callback(stranger, authorization.callback) == f"{FRONTEND}/?error=no-session"


def test_forged_cookie_counts_as_no_session(browser: httpx.Client, oidc: FakeOIDCProvider) -> None:
    authorization = authorize(browser)
    browser.cookies.set("chat_session", "made-up-id.c2lnbmF0dXJl", domain="127.0.0.1")
    assert callback(browser, authorization.callback) == f"{FRONTEND}/?error=no-session"


def test_missing_state_and_code_redirect_rather_than_422(
    browser: httpx.Client, oidc: FakeOIDCProvider
) -> None:
    authorize(browser)
    assert callback(browser, {}) == f"{FRONTEND}/?error=invalid_state"


def test_missing_code_with_a_good_state_fails_without_exchange(
    browser: httpx.Client, oidc: FakeOIDCProvider
) -> None:
    authorization = authorize(browser)
    params = {"state": authorization.callback["state"]}
    assert callback(browser, params) == f"{FRONTEND}/?error=oauth_failed"
    assert oidc.token_requests == []


def test_consent_denied_redirects_with_access_denied(
    browser: httpx.Client, oidc: FakeOIDCProvider
) -> None:
    oidc.deny = True
    authorization = authorize(browser)
    assert "code" not in authorization.callback
    assert callback(browser, authorization.callback) == f"{FRONTEND}/?error=access_denied"
    assert oidc.token_requests == []


def test_provider_error_text_is_not_echoed(browser: httpx.Client, oidc: FakeOIDCProvider) -> None:
    authorization = authorize(browser)
    params = {"state": authorization.callback["state"], "error": "<script>alert(1)</script>"}
    assert callback(browser, params) == f"{FRONTEND}/?error=oauth_failed"


def test_failed_code_exchange_redirects_with_oauth_failed(
    browser: httpx.Client, oidc: FakeOIDCProvider
) -> None:
    authorization = authorize(browser)
    params = {**authorization.callback, "code": "code-the-provider-never-issued"}
    assert callback(browser, params) == f"{FRONTEND}/?error=oauth_failed"
    assert oidc.token_requests[-1]["code"] == "code-the-provider-never-issued"
    assert status(browser)["connected"] is False


def test_pkce_verifier_is_the_one_behind_the_challenge(
    browser: httpx.Client, oidc: FakeOIDCProvider
) -> None:
    # The fake token endpoint refuses a verifier that does not hash to the challenge, so a
    # connected session proves the backend kept and sent the right one.
    connect(browser)
    assert oidc.refreshes == 0
    assert len(oidc.issued_access_tokens) == 1


def test_a_sign_in_gets_a_new_session_id_so_a_planted_one_leads_nowhere(
    browser: httpx.Client, google_backend: BackendProcess
) -> None:
    # An attacker's own valid session, planted in the victim's browser before the sign-in.
    with httpx.Client(base_url=google_backend.base_url) as attacker:
        attacker.post("/api/conversations", json={})
        planted = attacker.cookies["chat_session"]
    browser.cookies.set("chat_session", planted, domain="127.0.0.1")
    connect(browser)
    assert browser.cookies["chat_session"] != planted
    assert status(browser)["connected"] is True
    with httpx.Client(base_url=google_backend.base_url) as attacker:
        attacker.cookies.set("chat_session", planted, domain="127.0.0.1")
        assert status(attacker)["connected"] is False


def test_what_the_session_owned_moves_with_it_at_sign_in(browser: httpx.Client) -> None:
    made = browser.post("/api/conversations", json={"title": "Before Google"}).json()
    connect(browser)
    assert browser.get(f"/api/conversations/{made['id']}").status_code == 200
