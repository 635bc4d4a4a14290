"""The optional access token of a public deployment (ACCESS_TOKEN).

A browser proves it once through POST /api/access and then carries an httpOnly cookie; scripts
send `Authorization: Bearer <token>`. The cookie holds a random id of that browser, signed with
a key derived from the token and stamped with the time: it reveals nothing of the token, it is
no longer good after COOKIE_MAX_AGE_SECONDS even if copied, no two browsers share one, and a new
ACCESS_TOKEN signs everyone out.
"""

import hashlib
import hmac
import secrets

from itsdangerous import BadSignature, TimestampSigner
from pydantic import SecretStr
from starlette.requests import cookie_parser

ACCESS_COOKIE_NAME = "chat_access"
# A month: long enough that people are not asked daily, and a changed token ends it anyway.
COOKIE_MAX_AGE_SECONDS = 30 * 24 * 3600


def _secret(token: SecretStr) -> bytes:
    return token.get_secret_value().encode()


def token_matches(expected: SecretStr, offered: str) -> bool:
    # Constant time: how long a comparison takes must not tell how much of a guess was right.
    return hmac.compare_digest(_secret(expected), offered.encode())


def _signer(token: SecretStr) -> TimestampSigner:
    key = hmac.new(_secret(token), b"chat-access-cookie", hashlib.sha256).digest()
    return TimestampSigner(key, salt="chat-access")


def cookie_value(token: SecretStr) -> str:
    """A new cookie for one browser: its own random id, signed and time-stamped."""
    return _signer(token).sign(secrets.token_urlsafe(16)).decode()


def cookie_is_valid(token: SecretStr, offered: str) -> bool:
    try:
        _signer(token).unsign(offered, max_age=COOKIE_MAX_AGE_SECONDS)
    except BadSignature:  # SignatureExpired is one too
        return False
    return True


def bearer_matches(token: SecretStr, authorization: str | None) -> bool:
    if authorization is None:
        return False
    scheme, _, offered = authorization.partition(" ")
    return scheme.lower() == "bearer" and token_matches(token, offered.strip())


def has_access(
    token: SecretStr | None, *, cookie_header: str | None, authorization: str | None
) -> bool:
    """The one answer to "may this request in?", for the guard and for GET /api/access alike.

    The cookie header goes through Starlette's parser, the same one `request.cookies` uses: it
    reads past a malformed cookie (an analytics cookie, say) instead of giving up on the rest.
    """
    if token is None or bearer_matches(token, authorization):
        return True
    offered = cookie_parser(cookie_header or "").get(ACCESS_COOKIE_NAME)
    return offered is not None and cookie_is_valid(token, offered)
