"""The OpenID Connect provider's side of sign-in: discovery, its signing keys, the authorization
URL and the code exchange.

Authlib's async OAuth 2 client builds the URL (authorization code with PKCE S256) and talks to
the token endpoint, as for Google (lib/google/oauth.py); the state, verifier and nonce live in
the session store, never in a cookie (STYLE.md). The provider's keys (JWKS) are fetched once and
again when a token names a key we do not know, which is how providers rotate them.
"""

import asyncio
import logging
import time
from typing import Any

import httpx2
from authlib.common.security import generate_token
from authlib.integrations.base_client import OAuthError
from authlib.integrations.httpx_client import AsyncOAuth2Client
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from lib.discovery import HTTP_TIMEOUT, Discovery, get_json
from lib.settings import Settings

logger = logging.getLogger(__name__)

# Keys are fetched again for a token signed with a key we do not know (the provider rotated),
# at most this often: a stream of tokens with made-up key ids cannot make us hammer the provider.
_KEYS_REFRESH_SECONDS = 60.0
# The signatures an ID token may carry: asymmetric ones only, so nothing signed with a shared
# secret (or `none`) is ever taken for the provider's word.
ASYMMETRIC_ALGORITHMS = frozenset(
    {
        "RS256",
        "RS384",
        "RS512",
        "PS256",
        "PS384",
        "PS512",
        "ES256",
        "ES384",
        "ES512",
        "EdDSA",
    }
)


class ProviderUnavailableError(Exception):
    """The provider (discovery, keys or token endpoint) could not be reached or answered oddly."""


class CodeRefusedError(Exception):
    """The provider refused to trade the authorization code for tokens."""


class OIDCProvider:
    """One per process (the lifespan makes it); what it fetched is kept for the next sign-in."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._discovery = Discovery(
            settings.oidc_discovery_url or "",
            required=("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri"),
            provider="OIDC",
            unavailable=ProviderUnavailableError,
        )
        self._keys: KeySet | None = None
        # The first refresh is always allowed: the provider may have rotated just after our
        # first fetch.
        self._keys_refreshed_at = float("-inf")
        self._lock = asyncio.Lock()

    @property
    def configured(self) -> bool:
        return self._settings.oidc_configured

    def _client(self) -> AsyncOAuth2Client:
        secret = self._settings.oidc_client_secret
        return AsyncOAuth2Client(
            client_id=self._settings.oidc_client_id,
            client_secret=secret.get_secret_value() if secret else None,
            # A public client sends no secret at all; PKCE is what proves it then.
            token_endpoint_auth_method="client_secret_basic" if secret else "none",
            scope=self._settings.oidc_scopes,
            redirect_uri=self._settings.oidc_redirect_uri,
            code_challenge_method="S256",
            timeout=HTTP_TIMEOUT,
        )

    async def metadata(self) -> dict[str, Any]:
        """The discovery document, fetched once per process and kept."""
        return await self._discovery.document()

    async def issuer(self) -> str:
        return str((await self.metadata())["issuer"])

    async def algorithms(self) -> list[str]:
        """The signing algorithms to accept: what the provider names, asymmetric ones only."""
        named = (await self.metadata()).get("id_token_signing_alg_values_supported")
        if not isinstance(named, list):
            return ["RS256"]  # OpenID Connect Discovery 1.0, 3: RS256 is always supported
        return [alg for alg in named if alg in ASYMMETRIC_ALGORITHMS] or ["RS256"]

    async def keys(self, *, refresh: bool = False) -> KeySet:
        """The provider's signing keys; `refresh` fetches them again (at most once a minute)."""
        async with self._lock:
            if self._keys is None:
                self._keys = await self._fetch_keys()
            elif refresh and time.monotonic() - self._keys_refreshed_at > _KEYS_REFRESH_SECONDS:
                self._keys_refreshed_at = time.monotonic()
                self._keys = await self._fetch_keys()
            return self._keys

    async def _fetch_keys(self) -> KeySet:
        metadata = await self.metadata()
        try:
            return KeySet.import_key_set(await get_json(metadata["jwks_uri"]))  # type: ignore[arg-type]
        except (httpx2.HTTPError, ValueError, KeyError, TypeError, JoseError) as exc:
            logger.warning("OIDC keys could not be loaded: %s", type(exc).__name__)
            raise ProviderUnavailableError("keys failed") from None

    async def authorization_url(self) -> tuple[str, str, str, str]:
        """(url, state, code_verifier, nonce) of a new sign-in."""
        endpoint = (await self.metadata())["authorization_endpoint"]
        verifier = generate_token(48)
        nonce = generate_token(24)
        async with self._client() as client:
            url, state = client.create_authorization_url(
                endpoint, code_verifier=verifier, nonce=nonce
            )
        return str(url), str(state), verifier, nonce

    async def exchange_code(
        self, code: str, code_verifier: str, redirect_uri: str
    ) -> dict[str, Any]:
        """The token set for an authorization code (an `id_token` among it, or no sign-in)."""
        metadata = await self.metadata()
        async with self._client() as client:
            try:
                token = await client.fetch_token(
                    metadata["token_endpoint"],
                    code=code,
                    code_verifier=code_verifier,
                    redirect_uri=redirect_uri,
                    grant_type="authorization_code",
                )
            except OAuthError as exc:
                raise CodeRefusedError(str(exc.error)) from None
            except (httpx2.HTTPError, ValueError) as exc:
                raise ProviderUnavailableError(type(exc).__name__) from None
        return dict(token)
