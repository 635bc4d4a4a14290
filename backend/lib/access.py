"""The optional access token of a public deployment (ACCESS_TOKEN).

A browser proves it once through POST /api/access and then carries an httpOnly cookie; scripts
send `Authorization: Bearer <token>`. The cookie holds an HMAC of the token, not the token, so a
leaked cookie does not reveal it and a new ACCESS_TOKEN signs everyone out.
"""

import hashlib
import hmac

from pydantic import SecretStr

COOKIE_NAME = "chat_access"
# A month: long enough that people are not asked daily, and a changed token ends it anyway.
COOKIE_MAX_AGE_SECONDS = 30 * 24 * 3600


def _secret(token: SecretStr) -> bytes:
    return token.get_secret_value().encode()


def token_matches(expected: SecretStr, offered: str) -> bool:
    # Constant time: how long a comparison takes must not tell how much of a guess was right.
    return hmac.compare_digest(_secret(expected), offered.encode())


def cookie_value(token: SecretStr) -> str:
    return hmac.new(_secret(token), b"chat-access-cookie", hashlib.sha256).hexdigest()


def cookie_matches(token: SecretStr, offered: str) -> bool:
    return hmac.compare_digest(cookie_value(token).encode(), offered.encode())
