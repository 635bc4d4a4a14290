"""Session secrets and key rotation, against real backend processes."""

import stat
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from lib.sessions.sessions import OIDC_FLOW, PendingSignIn, Sessions
from lib.sessions.store import create_store
from lib.settings import BACKEND_DIR, Settings
from tests.backend_process import BASE_ENV, hermetic_env
from tests.conftest import StartBackend
from tests.fakes.oidc_provider import FakeOIDCProvider
from tests.fakes.openai_server import FakeOpenAI
from tests.fixtures.google import (
    FRONTEND,
    authorize,
    callback,
    connect,
    connector_tokens,
    google_env,
    google_turn,
)

OLD_SECRET = "old-session-secret-0123456789abcdef"
NEW_SECRET = "new-session-secret-0123456789abcdef"


def start_up_output(env: dict[str, str | None]) -> subprocess.CompletedProcess[str]:
    """Import the app the way uvicorn does, with these settings; start-up refusals end it."""
    return subprocess.run(
        [sys.executable, "-c", "import main"],
        cwd=BACKEND_DIR,
        env=hermetic_env(env),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_production_refuses_to_start_without_session_secret() -> None:
    result = start_up_output({"NODE_ENV": "production", "SESSION_SECRET": None})
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "SESSION_SECRET must be set" in lines[0]


@pytest.mark.parametrize(
    "secret", ["changeme", "your-session-secret-here", "short", "twenty-chars-secret!"]
)
def test_placeholder_or_short_secrets_are_refused(secret: str) -> None:
    result = start_up_output({"SESSION_SECRET": secret})
    assert result.returncode != 0
    assert "SESSION_SECRET" in result.stderr
    assert secret not in result.stderr


def test_development_makes_a_secret_once_and_keeps_it_private(
    backend_factory: StartBackend, tmp_path: Path
) -> None:
    secret_file = tmp_path / "data" / "session_secret"
    env = {"SESSION_SECRET": None, "SESSION_SECRET_FILE": str(secret_file)}
    backend = backend_factory(env)
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    secret = secret_file.read_text().strip()
    assert len(secret) >= 32
    log = backend.output()
    assert log.count("generated one for development") == 1
    assert secret not in log


@pytest.mark.parametrize("content", ["", "\n", "only-twenty-characters"])
def test_a_secret_file_that_is_empty_or_short_is_refused_at_start_up(
    tmp_path: Path, content: str
) -> None:
    secret_file = tmp_path / "session_secret"
    secret_file.write_text(content)
    secret_file.chmod(0o600)
    result = start_up_output({"SESSION_SECRET": None, "SESSION_SECRET_FILE": str(secret_file)})
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "SESSION_SECRET_FILE" in lines[0]


def test_a_secret_file_others_can_read_is_warned_about(
    backend_factory: StartBackend, tmp_path: Path
) -> None:
    secret_file = tmp_path / "session_secret"
    secret_file.write_text("a-long-enough-development-secret-0123456789\n")
    secret_file.chmod(0o644)
    backend = backend_factory({"SESSION_SECRET": None, "SESSION_SECRET_FILE": str(secret_file)})
    assert "chmod 600" in backend.output()


def test_the_made_secret_file_is_written_whole_and_nothing_else_is_left(
    backend_factory: StartBackend, tmp_path: Path
) -> None:
    secret_file = tmp_path / "data" / "session_secret"
    backend_factory({"SESSION_SECRET": None, "SESSION_SECRET_FILE": str(secret_file)})
    assert [path.name for path in secret_file.parent.iterdir()] == ["session_secret"]
    assert secret_file.read_text().endswith("\n")


def test_rotation_keeps_old_cookies_and_tokens_valid(
    backend_factory: StartBackend,
    oidc: FakeOIDCProvider,
    fake_openai: FakeOpenAI,
    tmp_path: Path,
) -> None:
    env = google_env(oidc, f"sqlite:///{tmp_path / 'sessions.db'}")
    before = backend_factory({**env, "SESSION_SECRET": OLD_SECRET})
    with httpx.Client(base_url=before.base_url) as browser:
        connect(browser)
        old_cookie = browser.cookies["chat_session"]
    after = backend_factory(
        {**env, "SESSION_SECRET": NEW_SECRET, "SESSION_SECRET_PREVIOUS": OLD_SECRET}
    )
    with httpx.Client(base_url=after.base_url) as browser:
        browser.cookies.set("chat_session", old_cookie, domain="127.0.0.1")
        assert browser.get("/api/google/status").json()["connected"] is True
        google_turn(browser)
        assert connector_tokens(fake_openai.requests[-1]) == [oidc.issued_access_tokens[-1]] * 2
        # New cookies are signed with the new secret.
        response = browser.get("/api/google/auth")
        new_cookie = response.cookies["chat_session"]
        assert new_cookie != old_cookie
        assert new_cookie.split(".")[0] == old_cookie.split(".")[0]  # same session


async def test_missing_verifier_is_refused(
    backend_factory: StartBackend, oidc: FakeOIDCProvider, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'sessions.db'}"
    backend = backend_factory(google_env(oidc, url))
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        session_store_url=url,
        session_secret=SecretStr(str(BASE_ENV["SESSION_SECRET"])),
    )
    sessions = Sessions(create_store(url, tmp_path), settings, str(BASE_ENV["SESSION_SECRET"]))
    with httpx.Client(base_url=backend.base_url) as browser:
        authorization = authorize(browser)
        session_id = sessions.unsign(browser.cookies["chat_session"])
        assert session_id is not None
        state = authorization.callback["state"]
        # The state is known but its verifier is gone (lost, or written by something else).
        assert await sessions.take_sign_in(session_id, state) is not None
        await sessions.remember_sign_in(session_id, state, PendingSignIn(None, None))
        assert callback(browser, authorization.callback) == f"{FRONTEND}/?error=invalid_state"
    await sessions.store.close()
    assert oidc.token_requests == []


def test_in_production_the_session_cookie_is_a_host_only_secure_cookie(
    backend_factory: StartBackend,
) -> None:
    production = backend_factory({"NODE_ENV": "production"})
    response = httpx.post(production.base_url + "/api/conversations", json={})
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("__Host-chat_session=")
    assert "secure" in cookie.lower() and "path=/" in cookie.lower()
    assert "domain=" not in cookie.lower()


def memory_sessions(tmp_path: Path) -> Sessions:
    secret = str(BASE_ENV["SESSION_SECRET"])
    settings = Settings(_env_file=None, session_secret=SecretStr(secret))  # type: ignore[call-arg]
    return Sessions(create_store("memory://", tmp_path), settings, secret)


async def test_sign_in_state_is_kept_apart_per_flow_and_used_once(tmp_path: Path) -> None:
    sessions = memory_sessions(tmp_path)
    session_id = sessions.new_session_id()
    pending = PendingSignIn("verifier", "http://localhost:3000/api/auth/callback", "nonce")
    await sessions.remember_sign_in(session_id, "state-1", pending, flow=OIDC_FLOW)
    assert await sessions.take_sign_in(session_id, "state-1") is None  # not Google's
    assert await sessions.take_sign_in(session_id, "state-1", flow=OIDC_FLOW) == pending
    assert await sessions.take_sign_in(session_id, "state-1", flow=OIDC_FLOW) is None
    await sessions.store.close()


async def test_a_signed_in_session_moves_to_a_new_id_and_forgets_on_sign_out(
    tmp_path: Path,
) -> None:
    sessions = memory_sessions(tmp_path)
    anonymous_id = sessions.new_session_id()
    await sessions.new_owner(anonymous_id)
    assert await sessions.user_of(anonymous_id) is None
    signed_in_id = await sessions.sign_in(anonymous_id, "u1", "user_u1")
    assert signed_in_id != anonymous_id
    assert await sessions.owner_of(anonymous_id) is None
    assert await sessions.owner_of(signed_in_id) == "user_u1"
    assert await sessions.user_of(signed_in_id) == "u1"
    await sessions.forget(signed_in_id)
    assert await sessions.owner_of(signed_in_id) is None
    assert await sessions.user_of(signed_in_id) is None
    await sessions.store.close()
