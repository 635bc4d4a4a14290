"""Checking an ID token before anyone is signed in with it (OpenID Connect Core 1.0, 3.1.3.7).

The signature must be the provider's (one of its published keys, an asymmetric algorithm it
names), `iss` the provider's issuer, `aud` our client id (and `azp` ours when there are several
audiences), `exp` in the future, `nonce` the one this browser's sign-in sent, `sub` present.
joserfc (the JOSE library Authlib itself uses) does the cryptography; the claims are checked
here one by one, so a refusal says which check failed. Authlib's own ID-token class leaves the
audience unchecked unless told, which is why it is not used.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from joserfc import jwt
from joserfc.errors import (
    ClaimError,
    ExpiredTokenError,
    InvalidKeyIdError,
    JoseError,
)
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

# Seconds of clock difference forgiven between us and the provider.
LEEWAY_SECONDS = 60


class IdTokenError(Exception):
    """The ID token failed a check; `check` names it (signature, issuer, audience, expired,
    nonce, subject, malformed) for the log. The page only ever hears `invalid_token`."""

    def __init__(self, check: str) -> None:
        super().__init__(check)
        self.check = check


@dataclass(frozen=True)
class Identity:
    """Who the provider says signed in."""

    issuer: str
    subject: str
    email: str | None
    email_verified: bool | None
    name: str | None


# Claim -> the check its failure means.
_CLAIM_CHECKS = {
    "iss": "issuer",
    "aud": "audience",
    "azp": "audience",
    "exp": "expired",
    "iat": "issued_at",
    "nbf": "not_yet_valid",
    "nonce": "nonce",
    "sub": "subject",
}


async def verify_id_token(
    id_token: str,
    *,
    keys: Callable[[bool], Awaitable[KeySet]],
    algorithms: list[str],
    issuer: str,
    client_id: str,
    nonce: str,
    now: int | None = None,
) -> Identity:
    """The identity in a valid ID token; IdTokenError otherwise.

    `keys(refresh)` gives the provider's key set; it is asked again with refresh=True when the
    token names a key the set does not hold (the provider rotated its keys).
    """
    registry = JWSRegistry(algorithms=algorithms)
    try:
        try:
            token = jwt.decode(id_token, await keys(False), registry=registry)
        except InvalidKeyIdError:
            token = jwt.decode(id_token, await keys(True), registry=registry)
    except InvalidKeyIdError:
        raise IdTokenError("signature") from None  # no key of the provider's signed it
    except (JoseError, ValueError, TypeError):
        # A forged or altered signature, `none` or a symmetric algorithm, or no JWS at all.
        raise IdTokenError("signature") from None
    claims = token.claims
    _check_claims(claims, issuer=issuer, client_id=client_id, nonce=nonce, now=now)
    return Identity(
        issuer=issuer,
        subject=str(claims["sub"]),
        email=_text(claims.get("email"), 320),
        email_verified=claims["email_verified"]
        if isinstance(claims.get("email_verified"), bool)
        else None,
        name=_text(claims.get("name")) or _text(claims.get("preferred_username")),
    )


def _check_claims(
    claims: dict[str, Any], *, issuer: str, client_id: str, nonce: str, now: int | None
) -> None:
    registry = jwt.JWTClaimsRegistry(
        now=now,
        leeway=LEEWAY_SECONDS,
        iss={"essential": True, "value": issuer},
        aud={"essential": True, "value": client_id},
        exp={"essential": True},
        iat={"essential": True},
        sub={"essential": True},
        nonce={"essential": True, "value": nonce},
    )
    try:
        registry.validate(claims)
    except ExpiredTokenError:
        raise IdTokenError("expired") from None
    except ClaimError as exc:
        # MissingClaimError names every missing claim, comma-separated: the first decides.
        claim = exc.claim.split(",")[0]
        raise IdTokenError(_CLAIM_CHECKS.get(claim, "malformed")) from None
    audience = claims["aud"]
    if isinstance(audience, list) and len(audience) > 1 and claims.get("azp") != client_id:
        # Core 3.1.3.7, 4-5: several audiences, and the token must say it was issued to us.
        raise IdTokenError("audience")
    if "azp" in claims and claims["azp"] != client_id:
        raise IdTokenError("audience")


def _text(value: object, limit: int = 200) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip()[:limit]
