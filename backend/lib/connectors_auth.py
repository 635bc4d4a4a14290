"""The Google access token that the Calendar and Gmail connectors of a turn use.

A token that expires within REFRESH_MARGIN is refreshed first. Refreshing is single-flight: an
asyncio lock per session inside the process and a short lock in the session store across
processes, so two turns arriving together spend the refresh token once and both use the result.
Whatever goes wrong here, the turn goes on (without the connectors): Google is an extra.
"""

import asyncio
import contextlib
import logging
import secrets
import time
import weakref

from fastapi import Request

from lib.google_oauth import GoogleOAuth, GoogleUnavailableError, RefreshRefusedError
from lib.session import GoogleTokens, Sessions
from lib.session_store import StoreUnavailableError

logger = logging.getLogger(__name__)

# docs/api.md, Google OAuth: refresh when the token expires within 30 s.
REFRESH_MARGIN = 30.0
# Longer than a refresh ever takes (10 s HTTP timeout), so a crashed holder frees it in time.
LOCK_TTL = 15.0
# How long a turn waits for another process's refresh before going on without the connectors.
LOCK_WAIT = 12.0
_LOCK_POLL = 0.05

# Sessions being refreshed in this process; entries go away with their last user.
_local_locks: "weakref.WeakValueDictionary[str, asyncio.Lock]" = weakref.WeakValueDictionary()


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
    lock_name = sessions.lock_name(session_id)
    local = _local_locks.get(lock_name)
    if local is None:
        local = _local_locks[lock_name] = asyncio.Lock()
    async with local:
        return await _refresh_across_processes(sessions, oauth, session_id, lock_name)


async def _refresh_across_processes(
    sessions: Sessions, oauth: GoogleOAuth, session_id: str, lock_name: str
) -> str | None:
    holder = secrets.token_bytes(16)
    deadline = time.monotonic() + LOCK_WAIT
    while not await sessions.store.add(lock_name, holder, LOCK_TTL):
        if time.monotonic() > deadline:
            logger.warning("Google token refresh: another process held the lock too long")
            return _usable(await sessions.load_tokens(session_id))
        await asyncio.sleep(_LOCK_POLL)
    try:
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
    finally:
        # If the store is gone now, the lock expires by itself after LOCK_TTL.
        with contextlib.suppress(StoreUnavailableError):
            await sessions.store.delete(lock_name, only_if=holder)


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
