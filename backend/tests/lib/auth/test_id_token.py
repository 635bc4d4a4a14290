"""Each check of an ID token, failing on its own (lib/auth/id_token.py)."""

import time
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, OctKey, RSAKey

from lib.auth.id_token import LEEWAY_SECONDS, IdTokenError, verify_id_token

ISSUER = "https://login.example.test"
CLIENT = "our-client"
NONCE = "the-nonce-we-sent"
KEY = RSAKey.generate_key(2048, parameters={"kid": "k1"})
OTHER_KEY = RSAKey.generate_key(2048, parameters={"kid": "k1"})
ROTATED_KEY = RSAKey.generate_key(2048, parameters={"kid": "k2"})


def claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    base: dict[str, Any] = {
        "iss": ISSUER,
        "aud": CLIENT,
        "sub": "subject-1",
        "iat": now,
        "exp": now + 300,
        "nonce": NONCE,
        "email": "ada@example.com",
        "email_verified": True,
        "name": "Ada",
    }
    base.update(changes)
    return {key: value for key, value in base.items() if value is not None}


def signed(values: dict[str, Any], key: RSAKey = KEY) -> str:
    token: str = jwt.encode({"alg": "RS256", "kid": key.kid}, values, key)
    return token


class Keys:
    """The provider's key set as the verifier asks for it; counts refreshes."""

    def __init__(self, *fresh: RSAKey) -> None:
        self.current = KeySet([KEY])
        self.fresh = KeySet(list(fresh)) if fresh else self.current
        self.refreshes = 0

    async def __call__(self, refresh: bool) -> KeySet:
        if refresh:
            self.refreshes += 1
            return self.fresh
        return self.current


async def check(token: str, keys: Keys | None = None) -> Any:
    return await verify_id_token(
        token,
        keys=keys or Keys(),
        algorithms=["RS256"],
        issuer=ISSUER,
        client_id=CLIENT,
        nonce=NONCE,
    )


async def refused(token: str) -> str:
    with pytest.raises(IdTokenError) as caught:
        await check(token)
    return caught.value.check


async def test_a_good_token_gives_the_identity() -> None:
    identity = await check(signed(claims()))
    assert (identity.issuer, identity.subject) == (ISSUER, "subject-1")
    assert (identity.email, identity.email_verified, identity.name) == (
        "ada@example.com",
        True,
        "Ada",
    )


async def test_an_audience_list_with_us_and_azp_us_is_accepted() -> None:
    identity = await check(signed(claims(aud=[CLIENT, "another"], azp=CLIENT)))
    assert identity.subject == "subject-1"


async def test_another_key_is_a_bad_signature() -> None:
    assert await refused(signed(claims(), OTHER_KEY)) == "signature"


async def test_an_altered_payload_is_a_bad_signature() -> None:
    header, _, signature = signed(claims()).split(".")
    other_payload = signed(claims(sub="somebody-else")).split(".")[1]
    assert await refused(f"{header}.{other_payload}.{signature}") == "signature"


async def test_an_unsigned_token_is_refused() -> None:
    token = signed(claims())
    header = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0"  # {"alg":"none","typ":"JWT"}
    assert await refused(f"{header}.{token.split('.')[1]}.") == "signature"


async def test_a_token_signed_with_a_shared_secret_is_refused() -> None:
    secret = OctKey.generate_key(256)
    token = jwt.encode({"alg": "HS256"}, claims(), secret)
    assert await refused(token) == "signature"


async def test_garbage_is_refused() -> None:
    assert await refused("not.a.token") == "signature"


@pytest.mark.parametrize(
    ("changes", "failed"),
    [
        ({"iss": "https://another.example.test"}, "issuer"),
        ({"iss": None}, "issuer"),
        ({"aud": "another-client"}, "audience"),
        ({"aud": ["another-client"]}, "audience"),
        ({"aud": None}, "audience"),
        ({"aud": [CLIENT, "another"]}, "audience"),  # several audiences and no azp of ours
        ({"azp": "another-client"}, "audience"),
        ({"exp": int(time.time()) - LEEWAY_SECONDS - 5}, "expired"),
        ({"exp": None}, "expired"),
        ({"nonce": "another-nonce"}, "nonce"),
        ({"nonce": None}, "nonce"),
        ({"sub": None}, "subject"),
        ({"iat": int(time.time()) + 3600}, "issued_at"),
    ],
)
async def test_each_claim_check_fails_on_its_own(changes: dict[str, Any], failed: str) -> None:
    values = claims()
    for claim, value in changes.items():
        if value is None:
            values.pop(claim)
        else:
            values[claim] = value
    assert await refused(signed(values)) == failed


async def test_a_clock_a_little_behind_is_forgiven() -> None:
    await check(signed(claims(exp=int(time.time()) - LEEWAY_SECONDS // 2)))


async def test_a_key_we_do_not_know_makes_us_fetch_the_keys_again() -> None:
    keys = Keys(KEY, ROTATED_KEY)
    identity = await check(signed(claims(), ROTATED_KEY), keys)
    assert identity.subject == "subject-1" and keys.refreshes == 1


async def test_a_key_still_unknown_after_the_refresh_is_a_bad_signature() -> None:
    keys = Keys()
    with pytest.raises(IdTokenError) as caught:
        await check(signed(claims(), ROTATED_KEY), keys)
    assert caught.value.check == "signature" and keys.refreshes == 1
