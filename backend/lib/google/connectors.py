"""The Google access token that the Calendar and Gmail connectors of a turn use.

A token that expires within REFRESH_MARGIN is refreshed first. Refreshing is single-flight
through the Sessions API's refresh lock (one per session, in every process), so two turns
arriving together spend the refresh token once and both use the result. Whatever goes wrong
here, the turn goes on (without the connectors): Google is an extra.
"""

import logging
import time

from fastapi import Request

from lib.google.oauth import GoogleOAuth, GoogleUnavailableError, RefreshRefusedError
from lib.sessions.sessions import GoogleTokens, Sessions
from lib.sessions.store import StoreUnavailableError

logger = logging.getLogger(__name__)

# docs/api.md, Google OAuth: refresh when the token expires within 30 s.
REFRESH_MARGIN = 30.0


def _needs_refresh(tokens: GoogleTokens) -> bool:
    if not tokens.access_token:
        return True
    return tokens.expires_at is not None and tokens.expires_at - time.time() < REFRESH_MARGIN


def _usable(tokens: GoogleTokens | None) -> str | None:
    """The access token while it is still valid at all (even inside the refresh margin)."""
    if tokens is None or not tokens.access_token:
        return None
    if tokens.expires_at is not None and tokens.expires_at <= time.time():
        return None
    return tokens.access_token


async def fresh_access_token(sessions: Sessions, oauth: GoogleOAuth, session_id: str) -> str | None:
    tokens = await sessions.load_tokens(session_id)
    if tokens is None:
        return None
    if not _needs_refresh(tokens):
        return tokens.access_token
    if not tokens.refresh_token:
        return _usable(tokens)
    async with sessions.refresh_lock(session_id) as held:
        if not held:
            logger.warning("Google token refresh: another process held the lock too long")
            return _usable(await sessions.load_tokens(session_id))
        return await _refresh(sessions, oauth, session_id)


async def _refresh(sessions: Sessions, oauth: GoogleOAuth, session_id: str) -> str | None:
    # Whoever held the lock before us may have refreshed already: read again.
    tokens = await sessions.load_tokens(session_id)
    if tokens is None:
        return None
    if not _needs_refresh(tokens):
        return tokens.access_token
    if not tokens.refresh_token:
        return _usable(tokens)
    try:
        answer = await oauth.refresh(tokens.refresh_token)
    except RefreshRefusedError as exc:
        logger.info("Google refused the refresh token (%s): forgetting the tokens", exc)
        await sessions.forget_tokens(session_id)
        return None
    except GoogleUnavailableError as exc:
        logger.warning("Google token refresh failed (%s); turn goes on without it", exc)
        return _usable(tokens)
    refreshed = GoogleTokens.from_token_response(answer, previous=tokens)
    await sessions.save_tokens(session_id, refreshed)
    logger.info("Google access token refreshed")
    return refreshed.access_token


async def google_access_token(request: Request) -> str | None:
    """The session's fresh Google access token, or None when there is none to be had.

    A request without a session cookie never touches the store (docs/api.md, Sessions).
    """
    sessions: Sessions = request.app.state.sessions
    oauth: GoogleOAuth = request.app.state.google_oauth
    session_id = sessions.session_id(request)
    if session_id is None:
        return None
    try:
        return await fresh_access_token(sessions, oauth, session_id)
    except StoreUnavailableError as exc:
        logger.warning("Google connectors skipped: %s", exc)
        return None
