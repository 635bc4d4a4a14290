"""The service's one settings object, read from the environment and backend/.env."""

import ipaddress
import os
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from config.constants import DEFAULT_MODEL
from lib.server.rate_limit_rules import parse_rate_limit
from lib.sessions.store import validate_store_url

BACKEND_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = BACKEND_DIR / "data"

# The file the settings are read from; tests point it elsewhere so that a developer's own
# backend/.env (perhaps with a real key) never leaks into them.
ENV_FILE_VARIABLE = "BACKEND_ENV_FILE"


def _split_commas(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


def _blank_to_none(value: object) -> object:
    if isinstance(value, str) and not value.strip():
        return None
    return value


# Values copied from examples and tutorials: a deployment running with one has no secret at all.
_PLACEHOLDER_WORDS = ("change", "replace", "placeholder", "example", "your-", "your_", "todo")
_PLACEHOLDER_VALUES = frozenset({"secret", "password", "xxx", "test", "dev", "default"})
# 32 characters at least, from any source: a short secret falls to guessing, an empty one lets
# anybody sign a cookie.
MIN_SECRET_CHARS = 32


def _is_placeholder(value: str) -> bool:
    lowered = value.strip().lower()
    return lowered in _PLACEHOLDER_VALUES or any(word in lowered for word in _PLACEHOLDER_WORDS)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", env_file_encoding="utf-8")

    # OpenAI
    openai_api_key: SecretStr | None = None
    openai_base_url: str | None = None
    openai_model: str = DEFAULT_MODEL
    # The models a turn may ask for (comma-separated); empty means OPENAI_MODEL alone.
    openai_models: Annotated[list[str], NoDecode] = []
    # Labels, reasoning efforts and prices per model (YAML or JSON); built-in entries without it.
    models_file: Path | None = None
    # false: OpenAI keeps nothing (`store: false`), and reasoning travels encrypted between
    # turns instead. Unset sends nothing, as the original app does.
    openai_store: bool | None = None
    # Tokens one owner may use per UTC day; unset means no budget.
    token_budget_daily: int | None = Field(default=None, ge=1)
    # Seconds without a byte from OpenAI before a request is given up: long, because a turn
    # may sit silent while a tool (code interpreter, MCP) works.
    openai_timeout: float = Field(default=600.0, gt=0)
    openai_connect_timeout: float = Field(default=10.0, gt=0)
    openai_max_retries: int = Field(default=2, ge=0, le=10)
    # One stream is one upstream connection: the pool must hold as many as a worker serves.
    openai_max_connections: int = Field(default=2000, ge=1)

    # The web client
    cors_origins: Annotated[list[str], NoDecode] = ["http://localhost:3000"]
    node_env: Literal["development", "production"] = "development"
    frontend_url: str = "http://localhost:3000"

    # Streaming: an SSE comment after this long without an event keeps proxies from closing.
    stream_keepalive_seconds: float = Field(default=15.0, gt=0)

    # Vector stores and the example functions
    max_upload_bytes: int = Field(default=32 * 1024 * 1024, gt=0)
    nominatim_url: str = "https://nominatim.openstreetmap.org"
    open_meteo_url: str = "https://api.open-meteo.com"
    joke_api_url: str = "https://v2.jokeapi.dev"
    # Seconds the weather and joke services may take, so a stuck service fails fast.
    functions_timeout: float = Field(default=5.0, gt=0)
    # Nominatim's usage policy allows one request a second from an application.
    nominatim_min_interval: float = Field(default=1.0, ge=0)
    # Seconds a function the server runs inside a turn may take before the model is told so.
    function_timeout_seconds: float = Field(default=20.0, gt=0)

    # Runs of server-kept conversations: how long one may go on, and how many times the model
    # may call functions the server runs before it must answer.
    turn_max_seconds: float = Field(default=600.0, gt=0)
    max_tool_rounds: int = Field(default=8, ge=1, le=50)
    # How long a finished run's frames can be replayed (10 minutes at least, docs/api.md).
    run_replay_seconds: float = Field(default=600.0, gt=0)
    # The Redis that workers and machines share for runs' frames and cancels; empty means the
    # session store's when that is redis://, else everything stays in the process.
    redis_url: str | None = None

    # Conversations kept on the server: SQLite (one machine) or PostgreSQL (several).
    database_url: str = "sqlite+aiosqlite:///data/app.db"
    # The model that names a conversation after its first answer; empty means OPENAI_MODEL.
    title_model: str | None = None
    # Conversations not updated for this many days are deleted; unset keeps them forever.
    retention_days: int | None = Field(default=None, ge=1)

    # Google OAuth and sessions
    google_client_id: str | None = None
    google_client_secret: SecretStr | None = None
    google_redirect_uri: str = "http://localhost:3000/api/google/callback"
    google_discovery_url: str = "https://accounts.google.com/.well-known/openid-configuration"
    session_store_url: str = "sqlite:///data/sessions.db"
    session_secret: SecretStr | None = None
    session_secret_previous: SecretStr | None = None
    # Where development keeps the secret it makes when SESSION_SECRET is unset.
    session_secret_file: Path = DATA_DIR / "session_secret"

    # Sign-in with any OpenID Connect provider (docs/deploy.md, Sign-in). Unset: no users, and
    # every browser is an anonymous owner, as before.
    oidc_discovery_url: str | None = None
    oidc_client_id: str | None = None
    # Unset for a public client, which proves itself with PKCE alone.
    oidc_client_secret: SecretStr | None = None
    oidc_redirect_uri: str = "http://localhost:3000/api/auth/callback"
    oidc_scopes: str = "openid email profile"
    # true: /api/* (but health, sign-in itself and the Google callback) needs a signed-in user.
    auth_required: bool = False
    # Domains whose addresses may sign in (comma-separated); empty means any.
    allowed_email_domains: Annotated[list[str], NoDecode] = []
    # People who may read everyone's usage (GET /api/usage?all=1).
    admin_emails: Annotated[list[str], NoDecode] = []

    # Production (docs/deploy.md)
    # Worker processes under gunicorn; unset means one per CPU core (async workers need no more).
    web_concurrency: int | None = Field(default=None, ge=1)
    # Seconds open streams may go on after SIGTERM before they end with a final `error` frame.
    graceful_timeout: float = Field(default=30.0, ge=0)
    # Peers whose X-Forwarded-For names the client (the proxy in front); read by gunicorn.
    forwarded_allow_ips: str = "127.0.0.1,::1"
    # json or plain; unset means JSON lines in production and plain text in development.
    log_format: Literal["json", "plain"] | None = None
    # Per client IP address; the syntax of the `limits` package ("30/minute", "100 per hour").
    rate_limit_turns: str = "30/minute"
    rate_limit_uploads: str = "20/hour"
    # Sign-in attempts (POST /api/access) and Google sign-in starts, each of which writes a
    # session store entry: guessing and store flooding stop here.
    rate_limit_sign_in: str = "10/minute"
    # Calls of /api/functions/* (each may reach the weather or joke services).
    rate_limit_functions: str = "60/minute"
    max_streams_per_client: int = Field(default=4, ge=1)
    # Largest request body of every route but the upload, whose cap follows MAX_UPLOAD_BYTES.
    max_request_bytes: int = Field(default=2 * 1024 * 1024, ge=1024)
    # Seconds a request body may go without a byte before the request ends with 408.
    body_read_timeout_seconds: float = Field(default=30.0, gt=0)
    # Connections one worker serves at once (gunicorn); past it, new ones get 503.
    limit_concurrency: int | None = Field(default=None, ge=1)
    # A turn's body (the whole conversation, for the stateless route): its own cap.
    max_turn_bytes: int = Field(default=2 * 1024 * 1024, gt=0)
    # When set, /api/* (but health, the OAuth callback and sign-in) needs it (docs/deploy.md).
    access_token: SecretStr | None = None
    # When set, /metrics needs it as a bearer token; otherwise ACCESS_TOKEN guards it, if set.
    metrics_token: SecretStr | None = None

    @field_validator("cors_origins", "openai_models", mode="before")
    @classmethod
    def _parse_origins(cls, value: object) -> object:
        return _split_commas(value)

    @field_validator("allowed_email_domains", mode="before")
    @classmethod
    def _parse_domains(cls, value: object) -> object:
        # Domains compare case-insensitively, and "@example.com" is taken to mean example.com.
        parts = _split_commas(value)
        if isinstance(parts, list):
            return [str(part).lower().removeprefix("@") for part in parts]
        return parts

    @field_validator("admin_emails", mode="before")
    @classmethod
    def _parse_emails(cls, value: object) -> object:
        parts = _split_commas(value)
        if isinstance(parts, list):
            return [str(part).lower() for part in parts]
        return parts

    @field_validator("cors_origins")
    @classmethod
    def _no_wildcard_origin(cls, origins: list[str]) -> list[str]:
        # Credentials (the session cookie) travel cross-origin, and browsers refuse `*` with them.
        if "*" in origins:
            raise ValueError("must list origins; '*' cannot be used with credentials")
        return origins

    @field_validator(
        "openai_api_key",
        "openai_base_url",
        "google_client_id",
        "google_client_secret",
        "session_secret",
        "session_secret_previous",
        "oidc_discovery_url",
        "oidc_client_id",
        "oidc_client_secret",
        "access_token",
        "metrics_token",
        "log_format",
        "web_concurrency",
        "title_model",
        "retention_days",
        "models_file",
        "openai_store",
        "token_budget_daily",
        "redis_url",
        "limit_concurrency",
        mode="before",
    )
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return _blank_to_none(value)

    @field_validator("session_secret_file")
    @classmethod
    def _relative_to_backend(cls, path: Path) -> Path:
        # Like SESSION_STORE_URL: relative paths mean backend/, wherever the process started.
        return path if path.is_absolute() else BACKEND_DIR / path

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite:///", "postgresql+asyncpg://")):
            raise ValueError(
                "must be sqlite+aiosqlite:///relative.db, sqlite+aiosqlite:////absolute.db "
                "or postgresql+asyncpg://user@host/database"
            )
        return value

    @field_validator("session_store_url")
    @classmethod
    def _known_store(cls, url: str) -> str:
        return validate_store_url(url)

    @field_validator(
        "session_secret", "session_secret_previous", "google_client_secret", "oidc_client_secret"
    )
    @classmethod
    def _no_placeholder(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and _is_placeholder(value.get_secret_value()):
            raise ValueError("is a placeholder; set a real secret")
        return value

    @field_validator("session_secret", "session_secret_previous")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < MIN_SECRET_CHARS:
            raise ValueError(f"must be at least {MIN_SECRET_CHARS} characters")
        return value

    @model_validator(mode="after")
    def _production_has_a_session_secret(self) -> "Settings":
        # Development makes its own secret (lib/sessions/sessions.py); production must be given
        # one, or every restart would log everybody out and unseal no stored token.
        if self.node_env == "production" and self.session_secret is None:
            raise ValueError(
                "SESSION_SECRET must be set when NODE_ENV=production "
                "(generate one: python -c 'import secrets; print(secrets.token_urlsafe(32))')"
            )
        return self

    @field_validator("oidc_discovery_url")
    @classmethod
    def _discovery_over_https(cls, value: str | None) -> str | None:
        # The keys that sign ID tokens come through it: plain HTTP only on this machine.
        if value is None:
            return None
        parts = urlsplit(value)
        loopback = parts.hostname in ("localhost", "127.0.0.1", "::1")
        if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
            raise ValueError("must be an https:// URL (http:// only for localhost)")
        return value

    @field_validator("oidc_scopes")
    @classmethod
    def _openid_scope(cls, value: str) -> str:
        scopes = value.split()
        if "openid" not in scopes:
            raise ValueError("must include openid (e.g. 'openid email profile')")
        return " ".join(scopes)

    @model_validator(mode="after")
    def _sign_in_settings_complete(self) -> "Settings":
        # Half a configuration would show a sign-in that can only fail, or require one that
        # nobody can make: refused at start-up, naming what is missing.
        if self.oidc_discovery_url is not None and self.oidc_client_id is None:
            raise ValueError("OIDC_CLIENT_ID must be set when OIDC_DISCOVERY_URL is")
        if self.oidc_client_id is not None and self.oidc_discovery_url is None:
            raise ValueError("OIDC_DISCOVERY_URL must be set when OIDC_CLIENT_ID is")
        if self.auth_required and not self.oidc_configured:
            raise ValueError(
                "AUTH_REQUIRED=true needs sign-in: set OIDC_DISCOVERY_URL and OIDC_CLIENT_ID"
            )
        return self

    @property
    def oidc_configured(self) -> bool:
        return self.oidc_discovery_url is not None and self.oidc_client_id is not None

    @property
    def google_oauth_missing(self) -> list[str]:
        """The settings Google sign-in still needs, by their environment names."""
        missing = []
        if not self.google_client_id:
            missing.append("GOOGLE_CLIENT_ID")
        if self.google_client_secret is None:
            missing.append("GOOGLE_CLIENT_SECRET")
        return missing

    @field_validator("forwarded_allow_ips")
    @classmethod
    def _addresses(cls, value: str) -> str:
        for part in value.split(","):
            part = part.strip()
            if part and part != "*":
                ipaddress.ip_network(part, strict=False)  # ValueError names the bad entry
        return value

    @field_validator(
        "rate_limit_turns", "rate_limit_uploads", "rate_limit_sign_in", "rate_limit_functions"
    )
    @classmethod
    def _valid_rate_limit(cls, value: str) -> str:
        parse_rate_limit(value)
        return value

    @field_validator("access_token", "metrics_token")
    @classmethod
    def _token_long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        # A short token falls to guessing long before any rate limit would notice.
        if value is not None and len(value.get_secret_value()) < 16:
            raise ValueError("must be at least 16 characters (e.g. secrets.token_urlsafe(32))")
        return value

    @property
    def log_json(self) -> bool:
        if self.log_format is None:
            return self.node_env == "production"
        return self.log_format == "json"

    @property
    def allowed_models(self) -> list[str]:
        """OPENAI_MODELS, with OPENAI_MODEL (the default) always among them, first."""
        others = [model for model in self.openai_models if model != self.openai_model]
        return [self.openai_model, *others]

    @property
    def shared_redis_url(self) -> str | None:
        """The Redis every worker and machine shares: REDIS_URL, else the session store's."""
        if self.redis_url is not None:
            return self.redis_url
        if self.session_store_url.startswith(("redis://", "rediss://")):
            return self.session_store_url
        return None

    @property
    def secure_cookies(self) -> bool:
        """Every cookie the service sets is Secure in production (HTTPS), plain in development."""
        return self.node_env == "production"

    @property
    def openai_configured(self) -> bool:
        return self.openai_api_key is not None


class SettingsError(SystemExit):
    """Start-up refused: one line naming the setting, rather than a traceback."""


def load_settings() -> Settings:
    env_file = os.environ.get(ENV_FILE_VARIABLE, str(BACKEND_DIR / ".env")) or None
    try:
        return Settings(_env_file=env_file)  # type: ignore[call-arg]
    except ValidationError as exc:
        problems = "; ".join(
            f"{str(error['loc'][0]).upper() if error['loc'] else 'settings'}: {error['msg']}"
            for error in exc.errors()
        )
        raise SettingsError(f"Invalid setting {problems}") from None
