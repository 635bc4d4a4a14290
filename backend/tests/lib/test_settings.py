"""Settings: read from the environment, refused at start-up with one line naming the setting."""

import subprocess
import sys

import pytest

from lib.settings import SettingsError, load_settings
from tests.backend_process import BACKEND_DIR


@pytest.fixture(autouse=True)
def _no_env_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKEND_ENV_FILE", "")


def test_defaults_need_no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    settings = load_settings()
    assert settings.openai_model == "gpt-5.2"
    assert settings.cors_origins == ["http://localhost:3000"]
    assert settings.node_env == "development"
    assert not settings.openai_configured


def test_cors_origins_are_comma_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORS_ORIGINS", " http://a.test ,http://b.test,, ")
    assert load_settings().cors_origins == ["http://a.test", "http://b.test"]


def test_an_empty_key_counts_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "  ")
    assert load_settings().openai_api_key is None


def test_the_key_never_shows_in_the_settings_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-very-secret-value-123456")
    assert "very-secret" not in repr(load_settings())


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("OPENAI_TIMEOUT", "soon"),
        ("OPENAI_TIMEOUT", "-1"),
        ("NODE_ENV", "staging"),
        ("CORS_ORIGINS", "*"),
        ("MAX_UPLOAD_BYTES", "0"),
        ("OIDC_SCOPES", "email profile"),
        ("OIDC_DISCOVERY_URL", "http://login.example.test/.well-known/openid-configuration"),
        ("OIDC_CLIENT_SECRET", "your-client-secret"),
    ],
)
def test_a_bad_setting_is_refused_by_name(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as refused:
        load_settings()
    assert str(refused.value).startswith(f"Invalid setting {name}: ")
    assert "\n" not in str(refused.value)


def test_the_server_refuses_to_start_with_one_line() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "uvicorn", "main:app", "--port", "0"],
        cwd=BACKEND_DIR,
        env={"PATH": "/usr/bin:/bin", "BACKEND_ENV_FILE": "", "NODE_ENV": "staging"},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("Invalid setting NODE_ENV: ")


DISCOVERY = "https://login.example.test/.well-known/openid-configuration"


def test_without_oidc_settings_sign_in_is_off(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load_settings()
    assert not settings.oidc_configured and not settings.auth_required
    assert settings.oidc_redirect_uri == "http://localhost:3000/api/auth/callback"
    assert settings.oidc_scopes == "openid email profile"


def test_sign_in_lists_are_comma_separated_and_compare_without_case(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OIDC_DISCOVERY_URL", DISCOVERY)
    monkeypatch.setenv("OIDC_CLIENT_ID", "chat")
    monkeypatch.setenv("ALLOWED_EMAIL_DOMAINS", " Example.COM, @team.example.org ,")
    monkeypatch.setenv("ADMIN_EMAILS", "Boss@Example.com")
    settings = load_settings()
    assert settings.oidc_configured
    assert settings.allowed_email_domains == ["example.com", "team.example.org"]
    assert settings.admin_emails == ["boss@example.com"]


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"OIDC_DISCOVERY_URL": DISCOVERY}, "OIDC_CLIENT_ID"),
        ({"OIDC_CLIENT_ID": "chat"}, "OIDC_DISCOVERY_URL"),
        ({"AUTH_REQUIRED": "true"}, "AUTH_REQUIRED"),
    ],
)
def test_half_a_sign_in_configuration_is_refused_naming_what_is_missing(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], named: str
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as refused:
        load_settings()
    assert named in str(refused.value)


def test_a_discovery_url_on_this_machine_may_be_plain_http(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(
        "OIDC_DISCOVERY_URL", "http://127.0.0.1:8080/.well-known/openid-configuration"
    )
    monkeypatch.setenv("OIDC_CLIENT_ID", "chat")
    assert load_settings().oidc_configured
