"""Who owns what a request reads or writes: the browser's session, made on first use.

Every conversation, message and usage row belongs to an owner id, and a request only ever sees
its own (docs/api.md, Owners). A browser that has not signed in is an anonymous owner
(`anon_...`) kept in the session store under the signed session cookie; a signed-in session
points at its user, whose owner id is `user_<user id>` on every browser they sign in on.
"""

from fastapi import Request, Response

from lib.errors import ServiceUnavailable
from lib.sessions.sessions import Sessions
from lib.sessions.store import StoreUnavailableError

STORE_DOWN = "Your session cannot be read right now (the session store does not answer); try again."
ANONYMOUS_PREFIX = "anon_"
USER_PREFIX = "user_"


def user_owner(user_id: str) -> str:
    return f"{USER_PREFIX}{user_id}"


def is_anonymous(owner: str) -> bool:
    return owner.startswith(ANONYMOUS_PREFIX)


def user_id_of(owner: str) -> str | None:
    """The user behind an owner id, or None for an anonymous one."""
    return owner.removeprefix(USER_PREFIX) if owner.startswith(USER_PREFIX) else None


async def request_owner(request: Request, response: Response, sessions: Sessions) -> str:
    """The request's owner; a browser without a session gets one (and its cookie)."""
    session_id = sessions.session_id(request)
    try:
        if session_id is not None:
            owner = await sessions.owner_of(session_id)
            if owner is not None:
                return owner
        else:
            session_id = sessions.new_session_id()
            sessions.set_cookie(response, session_id)
        return await sessions.new_owner(session_id)
    except StoreUnavailableError:
        raise ServiceUnavailable(STORE_DOWN) from None


async def existing_owner(request: Request, sessions: Sessions) -> str | None:
    """The owner of a browser that has one already; never makes a session. None when there is
    none, or the store cannot say (what needs no owner goes on without)."""
    session_id = sessions.session_id(request)
    if session_id is None:
        return None
    try:
        return await sessions.owner_of(session_id)
    except StoreUnavailableError:
        return None
