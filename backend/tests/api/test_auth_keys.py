"""The provider's signing keys: fetched once, and again when it rotates them."""

import httpx

from tests.conftest import StartBackend
from tests.fakes.oidc_provider import FakeOIDCProvider
from tests.fixtures.oidc import SIGNED_IN, identity, sign_in, sign_in_env


def test_keys_are_fetched_once_and_again_after_the_provider_rotates_them(
    backend_factory: StartBackend, oidc: FakeOIDCProvider
) -> None:
    # A backend of its own: the others have the current key and must not need a new one.
    backend = backend_factory(sign_in_env(oidc))
    original = oidc.signing_key
    try:
        with httpx.Client(base_url=backend.base_url, timeout=30) as browser:
            before = oidc.jwks_requests
            assert sign_in(browser, oidc, identity("rita")) == SIGNED_IN
            assert sign_in(browser, oidc, identity("rita")) == SIGNED_IN
            assert oidc.jwks_requests == before + 1
            oidc.rotate_key()
            assert sign_in(browser, oidc, identity("rita")) == SIGNED_IN
            assert oidc.jwks_requests == before + 2
    finally:
        oidc.signing_key = original
