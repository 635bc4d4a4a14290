"""Connecting a session to Google and disconnecting it (docs/api.md, Google OAuth).

The routes in api/google_*.py are HTTP in, HTTP out; the steps live here.
"""

import logging
import re
from collections.abc import Mapping
from urllib.parse import urlencode

from authlib.integrations.base_client import OAuthError

from lib.errors import ServiceUnavailable, UpstreamFailed
from lib.google.oauth import GoogleOAuth, GoogleUnavailableError, oauth_not_configured
from lib.sessions.sessions import GoogleTokens, PendingSignIn, Sessions
from lib.sessions.store import StoreUnavailableError
from lib.settings import Settings

logger = logging.getLogger(__name__)

STORE_DOWN = "Sessions are unavailable right now (the session store does not answer); try again."
GOOGLE_DOWN = "Google sign-in could not be reached; try again shortly."

# Error codes Google may send back are passed on to the page; anything else becomes oauth_failed,
# so the query string never carries text an attacker chose.
_ERROR_CODE = re.compile(r"[a-z_]{1,40}")


def frontend_url(settings: Settings, **params: str) -> str:
    return f"{settings.frontend_url.rstrip('/')}/?{urlencode(params)}"


async def start_sign_in(
    sessions: Sessions, oauth: GoogleOAuth, settings: Settings, session_id: str
) -> str:
    """Remember a new state and PKCE verifier for the session; the URL to send the browser to."""
    if not oauth.configured:
        raise oauth_not_configured(settings)
    try:
        url, state, verifier, nonce = await oauth.authorization_url()
    except GoogleUnavailableError:
        raise UpstreamFailed(GOOGLE_DOWN) from None
    pending = PendingSignIn(verifier, settings.google_redirect_uri, nonce)
    try:
        await sessions.remember_sign_in(session_id, state, pending)
    except StoreUnavailableError as exc:
        logger.warning("sign-in not started: %s", exc)
        raise ServiceUnavailable(STORE_DOWN) from None
    return url


async def finish_sign_in(
    sessions: Sessions,
    oauth: GoogleOAuth,
    session_id: str | None,
    query: Mapping[str, str],
) -> tuple[str | None, str | None]:
    """Exchange the code for tokens and keep them under a new session id.

    (None, the new session id) on success, else (the error code for the page, None): the
    callback always redirects, never answers JSON (docs/api.md, Google).
    """
    if session_id is None:
        return "no-session", None
    state = query.get("state")
    try:
        # Consumed before anything else, so neither a failure nor a replay can use it again.
        pending = await sessions.take_sign_in(session_id, state) if state else None
    except StoreUnavailableError as exc:
        logger.warning("sign-in not finished: %s", exc)
        return "session_unavailable", None
    google_error = query.get("error")
    if google_error:
        return (google_error if _ERROR_CODE.fullmatch(google_error) else "oauth_failed"), None
    if pending is None or not pending.code_verifier:
        return "invalid_state", None
    code = query.get("code")
    if not code:
        return "oauth_failed", None
    try:
        token = await oauth.exchange_code(code, pending.code_verifier, pending.redirect_uri)
    except (OAuthError, GoogleUnavailableError) as exc:
        logger.info("Google code exchange failed: %s", getattr(exc, "error", type(exc).__name__))
        return "oauth_failed", None
    tokens = GoogleTokens.from_token_response(token)
    if not tokens.access_token:
        return "oauth_failed", None
    try:
        new_session_id = await sessions.rotate(session_id)
        await sessions.save_tokens(new_session_id, tokens)
    except StoreUnavailableError as exc:
        logger.warning("Google tokens not kept: %s", exc)
        return "session_unavailable", None
    logger.info("Google connected for a session")
    return None, new_session_id


async def google_connected(sessions: Sessions, session_id: str | None) -> bool:
    if session_id is None:
        return False  # no cookie: nothing to look up, and the store need not answer
    try:
        tokens = await sessions.load_tokens(session_id)
    except StoreUnavailableError as exc:
        logger.warning("status unknown: %s", exc)
        raise ServiceUnavailable(STORE_DOWN) from None
    return tokens is not None and bool(tokens.access_token or tokens.refresh_token)


async def disconnect_google(sessions: Sessions, oauth: GoogleOAuth, session_id: str | None) -> None:
    """Revoke at Google (refresh token first: it takes the access tokens with it) and forget."""
    if session_id is None:
        return
    try:
        tokens = await sessions.load_tokens(session_id)
        if tokens is None:
            return
        # Forgotten first: even if Google cannot be reached, this session is disconnected.
        await sessions.forget_tokens(session_id)
    except StoreUnavailableError as exc:
        logger.warning("disconnect failed: %s", exc)
        raise ServiceUnavailable(STORE_DOWN) from None
    token = tokens.refresh_token or tokens.access_token
    if token and oauth.configured:
        try:
            await oauth.revoke(token)
        except GoogleUnavailableError as exc:
            logger.warning("Google token revocation failed (%s); tokens forgotten anyway", exc)
