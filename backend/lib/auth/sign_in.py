"""Signing in with the OpenID Connect provider, and out again (docs/api.md, Sign-in).

The routes in api/auth.py are HTTP in, HTTP out; the steps live here. Every failure of the
callback is one of SIGN_IN_ERRORS, sent to the page as `/?error=<code>`: never text a provider
or an attacker chose, never a token.
"""

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lib.auth.id_token import Identity, IdTokenError, verify_id_token
from lib.auth.provider import CodeRefusedError, OIDCProvider, ProviderUnavailableError
from lib.auth.users import UserRepository
from lib.conversations.lifecycle import DatabaseLifecycle
from lib.db.models import User
from lib.errors import ApiError, ServiceUnavailable
from lib.owners.owner import is_anonymous, user_owner
from lib.owners.transfer import move_owned_data
from lib.sessions.sessions import OIDC_FLOW, PendingSignIn, Sessions
from lib.sessions.store import StoreUnavailableError
from lib.settings import Settings
from lib.usage.budget import Budget

logger = logging.getLogger(__name__)

STORE_DOWN = "Sessions are unavailable right now (the session store does not answer); try again."
NOT_CONFIGURED = (
    "Sign-in is not configured on this server: set OIDC_DISCOVERY_URL and OIDC_CLIENT_ID."
)

# What `/?error=` may say after a sign-in (docs/api.md lists them for the web client).
NO_SESSION = "no_session"  # the callback came without this browser's session cookie
INVALID_STATE = "invalid_state"  # unknown, expired, used already, or another browser's
ACCESS_DENIED = "access_denied"  # the person declined at the provider
LOGIN_FAILED = "login_failed"  # the provider answered with another error, or refused the code
# The ID token failed a check (signature, iss, aud, exp, nonce); a code, not a secret.
INVALID_TOKEN = "invalid_token"  # noqa: S105
DOMAIN_NOT_ALLOWED = "domain_not_allowed"  # the address is not of ALLOWED_EMAIL_DOMAINS
EMAIL_NOT_VERIFIED = "email_not_verified"  # the provider says the address is not verified
PROVIDER_UNAVAILABLE = "provider_unavailable"  # the provider could not be reached
SESSION_UNAVAILABLE = "session_unavailable"  # the session store did not answer
SIGN_IN_UNAVAILABLE = "sign_in_unavailable"  # not configured, or the database is down
SIGN_IN_ERRORS = frozenset(
    {
        NO_SESSION,
        INVALID_STATE,
        ACCESS_DENIED,
        LOGIN_FAILED,
        INVALID_TOKEN,
        DOMAIN_NOT_ALLOWED,
        EMAIL_NOT_VERIFIED,
        PROVIDER_UNAVAILABLE,
        SESSION_UNAVAILABLE,
        SIGN_IN_UNAVAILABLE,
    }
)


class SignInRefusedError(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class SignInResult:
    """A sign-in's outcome: the new session id, or the error code for the page."""

    session_id: str | None = None
    error: str | None = None


async def start_sign_in(
    sessions: Sessions, provider: OIDCProvider, settings: Settings, session_id: str
) -> str:
    """Remember a new state, PKCE verifier and nonce for the session; the URL of the provider's
    sign-in page. ProviderUnavailableError or StoreUnavailableError when it cannot begin."""
    if not provider.configured:
        raise ServiceUnavailable(NOT_CONFIGURED)
    url, state, verifier, nonce = await provider.authorization_url()
    pending = PendingSignIn(verifier, settings.oidc_redirect_uri, nonce)
    await sessions.remember_sign_in(session_id, state, pending, flow=OIDC_FLOW)
    return url


async def finish_sign_in(
    *,
    sessions: Sessions,
    provider: OIDCProvider,
    databases: DatabaseLifecycle,
    budget: Budget,
    settings: Settings,
    session_id: str | None,
    query: Mapping[str, str],
) -> SignInResult:
    """Check everything the provider sent back; on success the session (under a new id) points
    at the user, and what this browser made anonymously is theirs."""
    try:
        return SignInResult(
            session_id=await _finish(
                sessions, provider, databases, budget, settings, session_id, query
            )
        )
    except SignInRefusedError as exc:
        return SignInResult(error=exc.code)
    except ProviderUnavailableError as exc:
        logger.warning("sign-in failed: the provider is unavailable (%s)", exc)
        return SignInResult(error=PROVIDER_UNAVAILABLE)
    except StoreUnavailableError as exc:
        logger.warning("sign-in failed: %s", exc)
        return SignInResult(error=SESSION_UNAVAILABLE)
    except ApiError as exc:  # the database is down or not ready (503)
        logger.warning("sign-in failed: %s", exc.message)
        return SignInResult(error=SIGN_IN_UNAVAILABLE)
    except Exception:
        # A bug: logged with its traceback, but the browser still lands on the page (every
        # outcome of the callback is a redirect), signed in as nobody.
        logger.exception("sign-in failed unexpectedly")
        return SignInResult(error=LOGIN_FAILED)


async def _finish(
    sessions: Sessions,
    provider: OIDCProvider,
    databases: DatabaseLifecycle,
    budget: Budget,
    settings: Settings,
    session_id: str | None,
    query: Mapping[str, str],
) -> str:
    if not provider.configured:
        raise SignInRefusedError(SIGN_IN_UNAVAILABLE)
    if session_id is None:
        raise SignInRefusedError(NO_SESSION)
    state = query.get("state")
    # Consumed before anything else, so neither a failure nor a replay can use it again.
    pending = await sessions.take_sign_in(session_id, state, flow=OIDC_FLOW) if state else None
    provider_error = query.get("error")
    if provider_error:
        # Only ever one of our codes: the provider's text never reaches the page.
        raise SignInRefusedError(ACCESS_DENIED if provider_error == ACCESS_DENIED else LOGIN_FAILED)
    if pending is None or not pending.code_verifier or not pending.nonce:
        raise SignInRefusedError(INVALID_STATE)
    code = query.get("code")
    if not code:
        raise SignInRefusedError(LOGIN_FAILED)
    try:
        token = await provider.exchange_code(
            code, pending.code_verifier, pending.redirect_uri or settings.oidc_redirect_uri
        )
    except CodeRefusedError as exc:
        logger.info("sign-in failed: the provider refused the code (%s)", exc)
        raise SignInRefusedError(LOGIN_FAILED) from None
    identity = await _verified_identity(provider, settings, token, pending.nonce)
    _check_email(settings, identity)
    anonymous = await sessions.owner_of(session_id)
    databases.require_ready()
    async with databases.db.session() as session:
        user = await UserRepository(session).sign_in(identity)
        owner = user_owner(user.id)
        if anonymous is not None and is_anonymous(anonymous):
            # In the same transaction as the user: the browser's conversations, messages and
            # usage are the user's from now on, or (on any failure) stay where they were.
            await move_owned_data(session, anonymous, owner)
    if anonymous is not None and is_anonymous(anonymous):
        await budget.move(anonymous, owner)
    new_session_id = await sessions.sign_in(session_id, user.id, owner)
    logger.info("signed in: user %s", user.id)
    return new_session_id


async def _verified_identity(
    provider: OIDCProvider, settings: Settings, token: dict[str, Any], nonce: str
) -> Identity:
    id_token = token.get("id_token")
    if not isinstance(id_token, str) or not id_token:
        logger.warning("sign-in refused: the provider sent no ID token (is `openid` a scope?)")
        raise SignInRefusedError(INVALID_TOKEN)
    try:
        return await verify_id_token(
            id_token,
            keys=lambda refresh: provider.keys(refresh=refresh),
            algorithms=await provider.algorithms(),
            issuer=await provider.issuer(),
            client_id=settings.oidc_client_id or "",
            nonce=nonce,
        )
    except IdTokenError as exc:
        logger.warning("sign-in refused: the ID token failed the %s check", exc.check)
        raise SignInRefusedError(INVALID_TOKEN) from None


def _check_email(settings: Settings, identity: Identity) -> None:
    allowed = settings.allowed_email_domains
    if not allowed:
        return
    email = identity.email or ""
    domain = email.rpartition("@")[2].lower() if "@" in email else ""
    if domain not in allowed:
        logger.info("sign-in refused: the address's domain is not allowed")
        raise SignInRefusedError(DOMAIN_NOT_ALLOWED)
    if identity.email_verified is False:
        # An address anyone may type at some providers: it proves no membership of the domain.
        logger.info("sign-in refused: the provider has not verified the address")
        raise SignInRefusedError(EMAIL_NOT_VERIFIED)


async def sign_out(sessions: Sessions, session_id: str | None) -> None:
    """The session forgets its user (and its Google connection); the route gives the browser
    a new session id."""
    if session_id is None:
        return
    try:
        await sessions.forget(session_id)
    except StoreUnavailableError as exc:
        logger.warning("sign-out failed: %s", exc)
        raise ServiceUnavailable(STORE_DOWN) from None


async def current_user(
    sessions: Sessions, databases: DatabaseLifecycle, session_id: str | None
) -> User | None:
    """The user signed in on this browser, or None. Needs no session to exist."""
    if session_id is None:
        return None
    try:
        user_id = await sessions.user_of(session_id)
    except StoreUnavailableError as exc:
        logger.warning("user unknown: %s", exc)
        raise ServiceUnavailable(STORE_DOWN) from None
    if user_id is None:
        return None
    databases.require_ready()
    async with databases.db.session() as session:
        return await UserRepository(session).get(user_id)


def user_view(user: User | None) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"id": user.id, "email": user.email, "name": user.name}


def is_admin(settings: Settings, user: User | None) -> bool:
    """ADMIN_EMAILS, by an address the provider has not called unverified."""
    if user is None or not user.email or user.email_verified is False:
        return False
    return user.email.lower() in settings.admin_emails
