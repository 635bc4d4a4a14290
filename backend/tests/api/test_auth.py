"""Sign-in with an OpenID Connect provider over real sockets, against the fake provider, on
SQLite and on PostgreSQL: the flow, every check of the ID token, state, domains, what follows
the person from browser to browser, sign-out, and admins' usage."""

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.api.test_turns import frames_of, turn
from tests.backend_process import BASE_ENV, BackendProcess
from tests.conftest import StartBackend
from tests.fakes.oidc_provider import CLIENT_ID, CLIENT_SECRET, ID_TOKEN_FAULTS, FakeOIDCProvider
from tests.fakes.openai_server import FakeOpenAI
from tests.fixtures.google import FRONTEND, google_env
from tests.fixtures.google import authorize as google_authorize
from tests.fixtures.oidc import (
    ADMIN,
    REDIRECT_URI,
    SIGNED_IN,
    authorize,
    callback,
    identity,
    me,
    sign_in,
    sign_in_env,
)


@pytest.fixture(scope="module")
def auth_backend(
    backend_factory: StartBackend, oidc_server: FakeOIDCProvider, database_url: str
) -> BackendProcess:
    env = sign_in_env(
        oidc_server,
        DATABASE_URL=database_url,
        ALLOWED_EMAIL_DOMAINS="example.com, @Example.org",
        ADMIN_EMAILS=ADMIN.upper(),
    )
    # Google's connection too, on the same fake provider: its state must not finish a sign-in.
    google = google_env(oidc_server, "memory://")
    return backend_factory({**google, **env})


def new_browser(backend: BackendProcess) -> httpx.Client:
    return httpx.Client(base_url=backend.base_url, timeout=30)


@pytest.fixture
def browser(auth_backend: BackendProcess) -> Iterator[httpx.Client]:
    with new_browser(auth_backend) as http:
        yield http


@pytest.fixture
def other_browser(auth_backend: BackendProcess) -> Iterator[httpx.Client]:
    with new_browser(auth_backend) as http:
        yield http


def create(browser: httpx.Client, title: str) -> str:
    response = browser.post("/api/conversations", json={"title": title})
    assert response.status_code == 201, response.text
    conversation_id: str = response.json()["id"]
    return conversation_id


def titles(browser: httpx.Client) -> set[str]:
    response = browser.get("/api/conversations")
    assert response.status_code == 200, response.text
    return {summary["title"] for summary in response.json()["data"]}


def usage_totals(browser: httpx.Client) -> dict[str, Any]:
    response = browser.get("/api/usage", params={"days": 2})
    assert response.status_code == 200, response.text
    totals: dict[str, Any] = response.json()["totals"]
    return totals


def answered(browser: httpx.Client, conversation_id: str) -> dict[str, Any]:
    """A turn to its end; its usage."""
    frames = frames_of(turn(browser, conversation_id, text="hello").content)
    ended = frames[-1][1]["data"]
    assert ended["status"] == "completed"
    usage: dict[str, Any] = ended["usage"]
    return usage


# --- before signing in


def test_me_says_sign_in_is_available_but_nobody_is_signed_in(browser: httpx.Client) -> None:
    assert me(browser) == {
        "user": None,
        "login_required": False,
        "login_available": True,
        "admin": False,
    }


def test_me_without_sign_in_configured_says_so(client: httpx.Client) -> None:
    assert me(client) == {
        "user": None,
        "login_required": False,
        "login_available": False,
        "admin": False,
    }


def test_login_without_sign_in_configured_is_a_503_naming_the_settings(
    client: httpx.Client,
) -> None:
    response = client.get("/api/auth/login")
    assert response.status_code == 503
    assert "OIDC_DISCOVERY_URL" in response.json()["error"]


def test_login_sends_the_browser_to_the_provider_with_pkce_state_and_nonce(
    browser: httpx.Client, oidc: FakeOIDCProvider
) -> None:
    response = browser.get("/api/auth/login")
    assert response.status_code == 302
    location = response.headers["location"]
    assert location.startswith(f"{oidc.base_url}/authorize?")
    authorization = authorize(browser)
    params = authorization.params
    assert params["response_type"] == "code"
    assert params["client_id"] == CLIENT_ID
    assert params["redirect_uri"] == REDIRECT_URI
    assert params["scope"] == "openid email profile"
    assert params["code_challenge_method"] == "S256"
    assert len(params["code_challenge"]) >= 43
    assert len(params["state"]) >= 20 and len(params["nonce"]) >= 20
    assert "chat_session" in browser.cookies
    # Nothing of the verifier travels in the URL, only its hash.
    assert "code_verifier" not in authorization.location


def test_a_provider_that_cannot_be_reached_sends_the_browser_back_with_an_error(
    backend_factory: StartBackend,
) -> None:
    nowhere = "http://127.0.0.1:9/.well-known/openid-configuration"
    backend = backend_factory(
        {"OIDC_DISCOVERY_URL": nowhere, "OIDC_CLIENT_ID": CLIENT_ID, "FRONTEND_URL": FRONTEND}
    )
    with new_browser(backend) as browser:
        response = browser.get("/api/auth/login")
        assert response.status_code == 302
        assert response.headers["location"] == f"{FRONTEND}/?error=provider_unavailable"
        assert me(browser)["login_available"] is True


# --- the flow


def test_signing_in_lands_on_the_page_with_a_new_session_for_the_user(
    browser: httpx.Client, oidc: FakeOIDCProvider, auth_backend: BackendProcess
) -> None:
    authorization = authorize(browser)
    before = browser.cookies["chat_session"]
    assert callback(browser, authorization.callback) == SIGNED_IN
    assert browser.cookies["chat_session"] != before
    body = me(browser)
    assert body["user"] is not None
    assert body["user"]["email"] == "someone@example.com"
    assert body["user"]["name"] == "Some One"
    assert set(body["user"]) == {"id", "email", "name"}
    assert body["login_available"] is True
    exchange = oidc.token_requests[-1]
    assert exchange["grant_type"] == "authorization_code" and exchange["code_verifier"]
    log = auth_backend.output()
    for secret in [
        *oidc.issued_id_tokens,
        *oidc.issued_access_tokens,
        *oidc.issued_refresh_tokens,
        CLIENT_SECRET,
        str(BASE_ENV["SESSION_SECRET"]),
        authorization.callback["code"],
        authorization.params["nonce"],
    ]:
        assert secret not in log


def test_tokens_never_reach_the_browser(browser: httpx.Client, oidc: FakeOIDCProvider) -> None:
    authorization = authorize(browser)
    response = browser.get("/api/auth/callback", params=authorization.callback)
    seen = response.text + str(response.headers) + str(dict(browser.cookies))
    seen += browser.get("/api/auth/me").text
    for token in [*oidc.issued_id_tokens, *oidc.issued_access_tokens]:
        assert token not in seen


@pytest.mark.parametrize("fault", ID_TOKEN_FAULTS)
def test_an_id_token_failing_any_check_signs_nobody_in(
    browser: httpx.Client, oidc: FakeOIDCProvider, auth_backend: BackendProcess, fault: str
) -> None:
    oidc.id_token_fault = fault
    assert sign_in(browser, oidc) == f"{FRONTEND}/?error=invalid_token"
    assert me(browser)["user"] is None
    # The same browser signs in once the provider sends a good token.
    oidc.id_token_fault = None
    assert sign_in(browser, oidc) == SIGNED_IN


def test_a_refused_id_token_is_logged_by_the_check_it_failed(
    browser: httpx.Client, oidc: FakeOIDCProvider, auth_backend: BackendProcess
) -> None:
    oidc.id_token_fault = "wrong_audience"
    sign_in(browser, oidc)
    assert "the ID token failed the audience check" in auth_backend.output()


def test_a_replayed_state_is_refused_and_its_code_is_not_exchanged_again(
    browser: httpx.Client, oidc: FakeOIDCProvider
) -> None:
    authorization = authorize(browser)
    assert callback(browser, authorization.callback) == SIGNED_IN
    assert callback(browser, authorization.callback) == f"{FRONTEND}/?error=invalid_state"
    assert len(oidc.token_requests) == 1


def test_a_state_is_used_up_by_a_failed_sign_in_too(
    browser: httpx.Client, oidc: FakeOIDCProvider
) -> None:
    oidc.id_token_fault = "expired"
    authorization = authorize(browser)
    assert callback(browser, authorization.callback) == f"{FRONTEND}/?error=invalid_token"
    oidc.id_token_fault = None
    assert callback(browser, authorization.callback) == f"{FRONTEND}/?error=invalid_state"


def test_a_wrong_state_exchanges_no_code(browser: httpx.Client, oidc: FakeOIDCProvider) -> None:
    authorization = authorize(browser)
    params = {**authorization.callback, "state": "not-the-state"}
    assert callback(browser, params) == f"{FRONTEND}/?error=invalid_state"
    assert oidc.token_requests == []


def test_another_browsers_state_is_refused(
    browser: httpx.Client, other_browser: httpx.Client, oidc: FakeOIDCProvider
) -> None:
    authorization = authorize(browser)
    other_browser.get("/api/auth/login")  # a session of its own, without this state
    assert callback(other_browser, authorization.callback) == f"{FRONTEND}/?error=invalid_state"
    assert oidc.token_requests == []


def test_a_callback_without_a_session_says_so(
    browser: httpx.Client, other_browser: httpx.Client, oidc: FakeOIDCProvider
) -> None:
    authorization = authorize(browser)
    assert callback(other_browser, authorization.callback) == f"{FRONTEND}/?error=no_session"


def test_a_google_connection_state_does_not_finish_a_sign_in(
    browser: httpx.Client, oidc: FakeOIDCProvider
) -> None:
    google = google_authorize(browser)
    assert callback(browser, google.callback) == f"{FRONTEND}/?error=invalid_state"
    assert oidc.token_requests == []


def test_missing_parameters_redirect_rather_than_422(
    browser: httpx.Client, oidc: FakeOIDCProvider
) -> None:
    authorize(browser)
    assert callback(browser, {}) == f"{FRONTEND}/?error=invalid_state"


def test_declining_at_the_provider_says_access_denied(
    browser: httpx.Client, oidc: FakeOIDCProvider
) -> None:
    oidc.deny = True
    authorization = authorize(browser)
    assert callback(browser, authorization.callback) == f"{FRONTEND}/?error=access_denied"
    assert oidc.token_requests == []


def test_a_providers_own_error_text_is_never_echoed(
    browser: httpx.Client, oidc: FakeOIDCProvider
) -> None:
    authorization = authorize(browser)
    params = {"state": authorization.callback["state"], "error": "<script>alert(1)</script>"}
    assert callback(browser, params) == f"{FRONTEND}/?error=login_failed"


def test_a_code_the_provider_refuses_is_login_failed(
    browser: httpx.Client, oidc: FakeOIDCProvider
) -> None:
    authorization = authorize(browser)
    params = {**authorization.callback, "code": "code-the-provider-never-issued"}
    assert callback(browser, params) == f"{FRONTEND}/?error=login_failed"
    assert me(browser)["user"] is None


# --- who may sign in


@pytest.mark.parametrize(
    "who",
    [
        identity("mallory", domain="evil.test"),
        identity("mallory", domain="example.com.evil.test"),
        identity("mallory", email=None),
    ],
    ids=["other-domain", "lookalike-domain", "no-email"],
)
def test_an_address_outside_the_allowed_domains_is_refused(
    browser: httpx.Client, oidc: FakeOIDCProvider, who: dict[str, Any]
) -> None:
    who = {claim: value for claim, value in who.items() if value is not None}
    assert sign_in(browser, oidc, who) == f"{FRONTEND}/?error=domain_not_allowed"
    assert me(browser)["user"] is None


def test_an_address_the_provider_has_not_verified_is_refused(
    browser: httpx.Client, oidc: FakeOIDCProvider
) -> None:
    who = identity("unverified", email_verified=False)
    assert sign_in(browser, oidc, who) == f"{FRONTEND}/?error=email_not_verified"
    assert me(browser)["user"] is None


def test_allowed_domains_compare_without_case(
    browser: httpx.Client, oidc: FakeOIDCProvider
) -> None:
    who = identity("Carol", domain="EXAMPLE.ORG")
    assert sign_in(browser, oidc, who) == SIGNED_IN
    assert me(browser)["user"]["email"] == "Carol@EXAMPLE.ORG"


# --- what follows the person


def test_what_the_browser_made_anonymously_becomes_the_users(
    browser: httpx.Client,
    other_browser: httpx.Client,
    oidc: FakeOIDCProvider,
    fake_openai: FakeOpenAI,
) -> None:
    conversation_id = create(browser, "Made before signing in")
    usage = answered(browser, conversation_id)
    assert sign_in(browser, oidc, identity("dora")) == SIGNED_IN
    shown = browser.get(f"/api/conversations/{conversation_id}")
    assert shown.status_code == 200
    assert [m["role"] for m in shown.json()["messages"]] == ["user", "assistant"]
    assert usage_totals(browser)["total_tokens"] == usage["total_tokens"]
    # The same person on another browser sees it too; nobody else does.
    assert sign_in(other_browser, oidc, identity("dora")) == SIGNED_IN
    assert other_browser.get(f"/api/conversations/{conversation_id}").status_code == 200
    with new_browser_like(browser) as stranger:
        assert stranger.get(f"/api/conversations/{conversation_id}").status_code == 404


def test_vector_stores_made_anonymously_become_the_users(
    browser: httpx.Client,
    other_browser: httpx.Client,
    oidc: FakeOIDCProvider,
    fake_openai: FakeOpenAI,
) -> None:
    created = browser.post("/api/vector_stores/create_store", json={"name": "Notes"})
    assert created.status_code == 200, created.text
    store_id = created.json()["id"]
    assert sign_in(browser, oidc, identity("uma")) == SIGNED_IN
    retrieve = "/api/vector_stores/retrieve_store"
    assert browser.get(retrieve, params={"vector_store_id": store_id}).status_code == 200
    assert sign_in(other_browser, oidc, identity("uma")) == SIGNED_IN
    assert other_browser.get(retrieve, params={"vector_store_id": store_id}).status_code == 200
    with new_browser_like(browser) as stranger:
        assert stranger.get(retrieve, params={"vector_store_id": store_id}).status_code == 404


def new_browser_like(browser: httpx.Client) -> httpx.Client:
    return httpx.Client(base_url=browser.base_url, timeout=30)


def test_two_browsers_of_one_person_share_everything_and_keep_both_sides(
    browser: httpx.Client, other_browser: httpx.Client, oidc: FakeOIDCProvider
) -> None:
    assert sign_in(browser, oidc, identity("erin")) == SIGNED_IN
    create(browser, "From the laptop")
    create(other_browser, "From the phone, before signing in")
    assert sign_in(other_browser, oidc, identity("erin")) == SIGNED_IN
    expected = {"From the laptop", "From the phone, before signing in"}
    assert titles(browser) == expected
    assert titles(other_browser) == expected
    assert me(browser)["user"]["id"] == me(other_browser)["user"]["id"]


def test_two_people_never_see_each_others_conversations(
    browser: httpx.Client, other_browser: httpx.Client, oidc: FakeOIDCProvider
) -> None:
    assert sign_in(browser, oidc, identity("frank")) == SIGNED_IN
    assert sign_in(other_browser, oidc, identity("grace")) == SIGNED_IN
    franks = create(browser, "Frank's")
    graces = create(other_browser, "Grace's")
    assert titles(browser) == {"Frank's"}
    assert titles(other_browser) == {"Grace's"}
    assert browser.get(f"/api/conversations/{graces}").status_code == 404
    assert other_browser.get(f"/api/conversations/{franks}").status_code == 404
    assert other_browser.delete(f"/api/conversations/{franks}").status_code == 404


def test_signing_in_as_someone_else_takes_nothing_of_the_first_person(
    browser: httpx.Client, oidc: FakeOIDCProvider
) -> None:
    assert sign_in(browser, oidc, identity("heidi")) == SIGNED_IN
    create(browser, "Heidi's")
    assert sign_in(browser, oidc, identity("ivan")) == SIGNED_IN
    assert titles(browser) == set()
    assert sign_in(browser, oidc, identity("heidi")) == SIGNED_IN
    assert titles(browser) == {"Heidi's"}


def test_usage_of_two_browsers_on_the_same_day_and_model_adds_up(
    browser: httpx.Client,
    other_browser: httpx.Client,
    oidc: FakeOIDCProvider,
    fake_openai: FakeOpenAI,
) -> None:
    assert sign_in(browser, oidc, identity("judy")) == SIGNED_IN
    first = answered(browser, create(browser, "one"))
    second = answered(other_browser, create(other_browser, "two"))
    assert sign_in(other_browser, oidc, identity("judy")) == SIGNED_IN
    report = browser.get("/api/usage", params={"days": 2}).json()
    assert report["totals"]["total_tokens"] == first["total_tokens"] + second["total_tokens"]
    assert report["totals"]["turns"] == 2
    assert len(report["data"]) == 1  # one day, one model: one row, not two


def test_email_and_name_follow_the_provider_and_the_person_stays_the_same(
    browser: httpx.Client, other_browser: httpx.Client, oidc: FakeOIDCProvider
) -> None:
    assert sign_in(browser, oidc, identity("kim")) == SIGNED_IN
    first = me(browser)["user"]
    create(browser, "Kim's")
    renamed = identity("kim", email="kim.lee@example.com", name="Kim Lee")
    assert sign_in(other_browser, oidc, renamed) == SIGNED_IN
    second = me(other_browser)["user"]
    assert second == {"id": first["id"], "email": "kim.lee@example.com", "name": "Kim Lee"}
    assert titles(other_browser) == {"Kim's"}


def test_a_session_id_planted_before_sign_in_leads_nowhere(
    browser: httpx.Client, auth_backend: BackendProcess, oidc: FakeOIDCProvider
) -> None:
    with new_browser(auth_backend) as attacker:
        attacker.get("/api/auth/login")
        planted = attacker.cookies["chat_session"]
    browser.cookies.set("chat_session", planted, domain="127.0.0.1")
    assert sign_in(browser, oidc, identity("leo")) == SIGNED_IN
    assert browser.cookies["chat_session"] != planted
    with new_browser(auth_backend) as attacker:
        attacker.cookies.set("chat_session", planted, domain="127.0.0.1")
        assert me(attacker)["user"] is None


# --- signing out


def test_signing_out_forgets_the_user_and_gives_a_new_session(
    browser: httpx.Client, auth_backend: BackendProcess, oidc: FakeOIDCProvider
) -> None:
    assert sign_in(browser, oidc, identity("mona")) == SIGNED_IN
    create(browser, "Mona's")
    signed_in_cookie = browser.cookies["chat_session"]
    response = browser.post("/api/auth/logout")
    assert response.status_code == 204
    assert browser.cookies["chat_session"] != signed_in_cookie
    assert me(browser)["user"] is None
    assert titles(browser) == set()
    # A copy of the old cookie is worth nothing now.
    with new_browser(auth_backend) as thief:
        thief.cookies.set("chat_session", signed_in_cookie, domain="127.0.0.1")
        assert me(thief)["user"] is None
        assert titles(thief) == set()
    # Signing in again brings everything back.
    assert sign_in(browser, oidc, identity("mona")) == SIGNED_IN
    assert titles(browser) == {"Mona's"}


def test_signing_out_from_another_site_is_refused(
    browser: httpx.Client, oidc: FakeOIDCProvider
) -> None:
    assert sign_in(browser, oidc, identity("nina")) == SIGNED_IN
    response = browser.post("/api/auth/logout", headers={"Origin": "https://evil.test"})
    assert response.status_code == 403
    assert "error" in response.json()
    assert me(browser)["user"] is not None
    allowed = browser.post("/api/auth/logout", headers={"Origin": FRONTEND})
    assert allowed.status_code == 204


def test_signing_out_without_a_session_is_harmless(browser: httpx.Client) -> None:
    assert browser.post("/api/auth/logout").status_code == 204
    assert me(browser)["user"] is None


# --- admins


def test_an_admin_sees_everyones_usage_with_who_they_are(
    browser: httpx.Client,
    other_browser: httpx.Client,
    oidc: FakeOIDCProvider,
    fake_openai: FakeOpenAI,
) -> None:
    assert sign_in(other_browser, oidc, identity("olga")) == SIGNED_IN
    olgas = answered(other_browser, create(other_browser, "Olga's"))
    assert sign_in(browser, oidc, identity("boss")) == SIGNED_IN
    report = browser.get("/api/usage", params={"all": "1", "days": 2})
    assert report.status_code == 200, report.text
    body = report.json()
    olga = me(other_browser)["user"]
    entry = next(e for e in body["owners"] if e["user"] and e["user"]["id"] == olga["id"])
    assert entry["user"] == olga
    assert entry["totals"]["total_tokens"] == olgas["total_tokens"]
    assert body["totals"]["total_tokens"] >= olgas["total_tokens"]
    assert body["totals"]["total_tokens"] == sum(
        e["totals"]["total_tokens"] for e in body["owners"]
    )
    # Their own view stays their own.
    assert usage_totals(browser)["total_tokens"] == 0
    # The web client offers the everyone view to them alone.
    assert me(browser)["admin"] is True
    assert me(other_browser)["admin"] is False


def test_everyones_usage_is_refused_to_others(
    browser: httpx.Client, other_browser: httpx.Client, oidc: FakeOIDCProvider
) -> None:
    assert sign_in(browser, oidc, identity("pete")) == SIGNED_IN
    for who in (browser, other_browser):  # a user who is not an admin, and nobody
        response = who.get("/api/usage", params={"all": "1"})
        assert response.status_code == 403
        assert "ADMIN_EMAILS" in response.json()["error"]


def test_an_admin_address_the_provider_has_not_verified_is_no_admin(
    backend_factory: StartBackend, oidc: FakeOIDCProvider
) -> None:
    # No domain list here, so the unverified address may sign in; it must not make an admin.
    backend = backend_factory(sign_in_env(oidc, ADMIN_EMAILS=ADMIN))
    with new_browser(backend) as browser:
        who = identity("boss", email_verified=False)
        assert sign_in(browser, oidc, who) == SIGNED_IN
        assert browser.get("/api/usage", params={"all": "1"}).status_code == 403
        assert me(browser)["admin"] is False


# --- budgets


def test_a_users_budget_is_shared_by_all_their_browsers(
    backend_factory: StartBackend, oidc: FakeOIDCProvider, fake_openai: FakeOpenAI
) -> None:
    backend = backend_factory(sign_in_env(oidc, TOKEN_BUDGET_DAILY="200"))
    with new_browser(backend) as laptop, new_browser(backend) as phone:
        assert sign_in(laptop, oidc, identity("vera")) == SIGNED_IN
        # A long answer: this turn alone crosses the 200-token budget, and it finishes.
        conversation_id = create(laptop, "Long")
        frames = frames_of(turn(laptop, conversation_id, text="word " * 400).content)
        assert frames[-1][1]["data"]["status"] == "completed"
        assert sign_in(phone, oidc, identity("vera")) == SIGNED_IN
        refused = turn(phone, create(phone, "More"), text="one more")
        assert refused.status_code == 429
        assert "budget" in refused.json()["error"]
        # Somebody else still has their own.
        with new_browser(backend) as other:
            assert sign_in(other, oidc, identity("walt")) == SIGNED_IN
            assert turn(other, create(other, "Mine"), text="hi").status_code == 200
