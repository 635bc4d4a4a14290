"""Browser sessions: one signed random-id cookie, everything else on the server, encrypted.

The browser only ever holds a random session id signed with SESSION_SECRET (docs/api.md,
Sessions). Google tokens and the one-time OAuth state live in the session store under keys made
from a hash of that id, encrypted with Fernet: a copy of the store alone yields neither a usable
cookie nor a token. SESSION_SECRET_PREVIOUS keeps cookies and entries made with the previous
secret readable during a rotation; new ones always use the current secret.
"""

import asyncio
import base64
import contextlib
import hashlib
import json
import logging
import os
import secrets
import stat
import time
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from fastapi import Request, Response
from itsdangerous import BadSignature, Signer

from lib.sessions.store import SessionStore, StoreUnavailableError
from lib.settings import MIN_SECRET_CHARS, Settings, SettingsError

logger = logging.getLogger(__name__)

SESSION_COOKIE_NAME = "chat_session"
# Tokens are kept while used; a session nobody comes back to for this long is forgotten.
TOKENS_TTL = 30 * 24 * 3600
COOKIE_MAX_AGE = TOKENS_TTL
# Conversations stay reachable from a browser that comes back within a year.
OWNER_TTL = 365 * 24 * 3600
# The window a user has to come back from Google's consent screen (or the provider's sign-in).
OAUTH_STATE_TTL = 10 * 60
# The flows whose one-time state the store keeps: connecting Google, and signing in (OIDC).
GOOGLE_FLOW = "google"
OIDC_FLOW = "oidc"
# Longer than a token refresh ever takes (10 s HTTP timeout), so a crashed holder frees it in time.
REFRESH_LOCK_TTL = 15.0
# How long a turn waits for another process's refresh before going on without it.
REFRESH_LOCK_WAIT = 12.0
_REFRESH_LOCK_POLL = 0.05

# Sessions being refreshed in this process; entries go away with their last user.
_local_locks: "weakref.WeakValueDictionary[str, asyncio.Lock]" = weakref.WeakValueDictionary()


def _derive(secret: str, purpose: bytes) -> bytes:
    # One secret, independent keys: the cookie signature and the encryption never share a key.
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(
        secret.encode()
    )


def resolve_session_secret(settings: Settings) -> str:
    """SESSION_SECRET, or in development one made once and kept in SESSION_SECRET_FILE.

    Production never gets here without a secret: settings validation refuses to start. A file
    that holds less than MIN_SECRET_CHARS is refused like a short SESSION_SECRET: a cookie
    signed with an empty secret is one anybody can make.
    """
    if settings.session_secret is not None:
        return settings.session_secret.get_secret_value()
    path = settings.session_secret_file
    secret = _read_secret_file(path)
    if secret is not None:
        return secret
    path.parent.mkdir(parents=True, exist_ok=True)
    made = secrets.token_urlsafe(32)
    # Written whole under another name, then linked into place: a worker starting at the same
    # moment sees either no file or the whole secret, never half of it, and only one link wins.
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as file:
        file.write(made + "\n")
    try:
        os.link(temporary, path)
    except FileExistsError:
        secret = _read_secret_file(path)
        if secret is None:
            raise SettingsError(f"Invalid setting SESSION_SECRET_FILE: {path} is empty") from None
        return secret
    finally:
        temporary.unlink()
    logger.warning(
        "SESSION_SECRET is not set: generated one for development and stored it in %s "
        "(mode 0600). Set SESSION_SECRET in production.",
        path,
    )
    return made


def _read_secret_file(path: Path) -> str | None:
    try:
        secret = path.read_text().strip()
        mode = path.stat().st_mode
    except FileNotFoundError:
        return None
    if len(secret) < MIN_SECRET_CHARS:
        raise SettingsError(
            f"Invalid setting SESSION_SECRET_FILE: {path} holds a secret under "
            f"{MIN_SECRET_CHARS} characters; delete it to have a new one made, or set "
            "SESSION_SECRET"
        )
    if mode & 0o077:
        logger.warning(
            "SESSION_SECRET_FILE %s can be read by others (mode %o); run chmod 600 on it.",
            path,
            stat.S_IMODE(mode),
        )
    return secret


@dataclass(frozen=True)
class GoogleTokens:
    access_token: str | None
    refresh_token: str | None
    expires_at: float | None
    token_type: str = "Bearer"  # noqa: S105  # a scheme name, not a secret
    scope: str | None = None
    id_token: str | None = None

    @classmethod
    def from_token_response(
        cls, token: dict[str, Any], previous: "GoogleTokens | None" = None
    ) -> "GoogleTokens":
        # Google usually leaves the refresh token out of a refresh answer: keep the one we had.
        refresh = token.get("refresh_token") or (previous.refresh_token if previous else None)
        expires_at = token.get("expires_at")
        return cls(
            access_token=token.get("access_token"),
            refresh_token=refresh,
            expires_at=float(expires_at) if expires_at is not None else None,
            token_type=str(token.get("token_type") or "Bearer"),
            scope=token.get("scope") or (previous.scope if previous else None),
            id_token=token.get("id_token") or (previous.id_token if previous else None),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "expires_at": self.expires_at,
            "token_type": self.token_type,
            "scope": self.scope,
            "id_token": self.id_token,
        }


@dataclass(frozen=True)
class PendingSignIn:
    """What the callback needs from the start of a sign-in: kept ten minutes, used once."""

    code_verifier: str | None
    redirect_uri: str | None
    nonce: str | None = None


class Sessions:
    """Cookie in, store entries out: the one place that knows how sessions are kept."""

    def __init__(self, store: SessionStore, settings: Settings, secret: str) -> None:
        self.store = store
        self._secure = settings.secure_cookies
        # In production the __Host- prefix: the browser takes the cookie only from this very
        # host over HTTPS, so a sibling subdomain or a plain-HTTP page cannot plant one.
        self.cookie_name = (
            f"__Host-{SESSION_COOKIE_NAME}" if settings.secure_cookies else SESSION_COOKIE_NAME
        )
        keys = [secret]
        if settings.session_secret_previous is not None:
            keys.append(settings.session_secret_previous.get_secret_value())
        # itsdangerous signs with the last key and accepts any of them.
        self._signer = Signer([_derive(k, b"session-cookie") for k in reversed(keys)])
        self._fernet = MultiFernet(
            [Fernet(base64.urlsafe_b64encode(_derive(k, b"session-store"))) for k in keys]
        )
        # Store keys: a keyed hash of the session id, so keys in the store do not work as cookies.
        self._key_salt = _derive(secret, b"session-key-names")
        self._previous_key_salts = [_derive(k, b"session-key-names") for k in keys[1:]]

    # --- the cookie

    def session_id(self, request: Request) -> str | None:
        """The id from a validly signed cookie, or None (no cookie, forged, or old secret gone)."""
        return self.unsign(request.cookies.get(self.cookie_name))

    def unsign(self, cookie: str | None) -> str | None:
        if not cookie:
            return None
        try:
            return self._signer.unsign(cookie).decode()
        except (BadSignature, UnicodeDecodeError):
            return None

    @staticmethod
    def new_session_id() -> str:
        return secrets.token_urlsafe(32)

    def set_cookie(self, response: Response, session_id: str) -> None:
        response.set_cookie(
            self.cookie_name,
            self._signer.sign(session_id.encode()).decode(),
            max_age=COOKIE_MAX_AGE,
            path="/",
            httponly=True,
            samesite="lax",
            secure=self._secure,
        )

    # --- encrypted entries

    def _name(self, kind: str, session_id: str, salt: bytes | None = None) -> str:
        digest = hashlib.blake2b(
            session_id.encode(), key=salt or self._key_salt, digest_size=20
        ).hexdigest()
        return f"{kind}:{digest}"

    def _names(self, kind: str, session_id: str) -> list[str]:
        # During a rotation the entries written under the previous secret's names still count.
        return [self._name(kind, session_id)] + [
            self._name(kind, session_id, salt) for salt in self._previous_key_salts
        ]

    def _seal(self, value: dict[str, Any]) -> bytes:
        return self._fernet.encrypt(json.dumps(value).encode())

    def _open(self, sealed: bytes | None) -> dict[str, Any] | None:
        if sealed is None:
            return None
        try:
            value = json.loads(self._fernet.decrypt(sealed))
        except (InvalidToken, ValueError):
            # Written under a secret we no longer have: as good as absent.
            return None
        return value if isinstance(value, dict) else None

    async def rotate(self, session_id: str) -> str:
        """A new session id holding what `session_id` held, which is forgotten.

        Called at every successful sign-in: a session id someone planted in this browser before
        (fixation) then leads nowhere, and what the sign-in stores lands under an id only this
        browser has.
        """
        new_id = self.new_session_id()
        for kind, ttl in (("tokens", TOKENS_TTL), ("owner", OWNER_TTL)):
            for name in self._names(kind, session_id):
                sealed = await self.store.get(name)
                if sealed is not None:
                    await self.store.set(self._name(kind, new_id), sealed, ttl)
                    await self.store.delete(name)
                    break
        return new_id

    # --- the owner of what this browser keeps on the server (conversations, usage)

    async def owner_of(self, session_id: str) -> str | None:
        for name in self._names("owner", session_id):
            value = self._open(await self.store.get(name, extend_ttl=OWNER_TTL))
            if value is not None and isinstance(value.get("owner"), str):
                return str(value["owner"])
        return None

    async def user_of(self, session_id: str) -> str | None:
        """The id of the user signed in on this session, or None (anonymous)."""
        for name in self._names("owner", session_id):
            value = self._open(await self.store.get(name, extend_ttl=OWNER_TTL))
            if value is not None:
                user = value.get("user")
                return user if isinstance(user, str) else None
        return None

    async def sign_in(self, session_id: str, user_id: str, owner: str) -> str:
        """A new session id (no fixation: lib/sessions/sessions.py, rotate) that points at the
        user; what else the session held (Google tokens) comes along."""
        new_id = await self.rotate(session_id)
        await self.store.set(
            self._name("owner", new_id), self._seal({"owner": owner, "user": user_id}), OWNER_TTL
        )
        return new_id

    async def forget(self, session_id: str) -> None:
        """Everything the session held on the server: signing out on a shared computer leaves
        neither the user nor a Google connection behind for the next person."""
        for kind in ("owner", "tokens"):
            for name in self._names(kind, session_id):
                await self.store.delete(name)

    async def new_owner(self, session_id: str) -> str:
        """A fresh anonymous owner for this session. It is not the session id, so a new session
        id (after a sign-in) can carry the same owner along."""
        owner = f"anon_{secrets.token_hex(16)}"  # lib/owners/owner.py, ANONYMOUS_PREFIX
        await self.store.set(
            self._name("owner", session_id), self._seal({"owner": owner}), OWNER_TTL
        )
        return owner

    async def load_tokens(self, session_id: str) -> GoogleTokens | None:
        for name in self._names("tokens", session_id):
            value = self._open(await self.store.get(name, extend_ttl=TOKENS_TTL))
            if value is not None:
                return GoogleTokens(
                    access_token=value.get("access_token"),
                    refresh_token=value.get("refresh_token"),
                    expires_at=value.get("expires_at"),
                    token_type=value.get("token_type") or "Bearer",
                    scope=value.get("scope"),
                    id_token=value.get("id_token"),
                )
        return None

    async def save_tokens(self, session_id: str, tokens: GoogleTokens) -> None:
        await self.store.set(
            self._name("tokens", session_id), self._seal(tokens.to_json()), TOKENS_TTL
        )

    async def forget_tokens(self, session_id: str) -> None:
        for name in self._names("tokens", session_id):
            await self.store.delete(name)

    def _state_name(self, session_id: str, state: str, flow: str) -> str:
        # Bound to the session: a state issued to another browser is no use here. Bound to the
        # flow too: a state of the Google connection never finishes a sign-in, nor the reverse.
        kind = "oauth-state" if flow == GOOGLE_FLOW else f"{flow}-state"
        return self._name(kind, f"{session_id}\0{state}")

    async def remember_sign_in(
        self, session_id: str, state: str, pending: PendingSignIn, flow: str = GOOGLE_FLOW
    ) -> None:
        value = {
            "code_verifier": pending.code_verifier,
            "redirect_uri": pending.redirect_uri,
            "nonce": pending.nonce,
        }
        await self.store.set(
            self._state_name(session_id, state, flow), self._seal(value), OAUTH_STATE_TTL
        )

    async def take_sign_in(
        self, session_id: str, state: str, flow: str = GOOGLE_FLOW
    ) -> PendingSignIn | None:
        """The pending sign-in for this state, consumed whatever happens next."""
        value = self._open(await self.store.take(self._state_name(session_id, state, flow)))
        if value is None:
            return None
        return PendingSignIn(
            code_verifier=value.get("code_verifier"),
            redirect_uri=value.get("redirect_uri"),
            nonce=value.get("nonce"),
        )

    @asynccontextmanager
    async def refresh_lock(self, session_id: str) -> AsyncIterator[bool]:
        """Held by one refresh of this session's tokens at a time, in every process.

        An asyncio lock inside the process, then a short entry in the store across processes.
        Yields False when another process kept the store's lock longer than REFRESH_LOCK_WAIT:
        the caller then goes on with what it has.
        """
        name = self._name("refresh-lock", session_id)
        local = _local_locks.get(name)
        if local is None:
            local = _local_locks[name] = asyncio.Lock()
        async with local:
            holder = secrets.token_bytes(16)
            deadline = time.monotonic() + REFRESH_LOCK_WAIT
            while not await self.store.add(name, holder, REFRESH_LOCK_TTL):
                if time.monotonic() > deadline:
                    yield False
                    return
                await asyncio.sleep(_REFRESH_LOCK_POLL)
            try:
                yield True
            finally:
                # If the store is gone now, the lock expires by itself after REFRESH_LOCK_TTL.
                with contextlib.suppress(StoreUnavailableError):
                    await self.store.delete(name, only_if=holder)
