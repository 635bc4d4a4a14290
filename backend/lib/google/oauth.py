"""Google's side of the sign-in: Authlib's async OAuth 2 client with PKCE (S256) and discovery.

Authlib keeps state and verifier in a cookie when left to itself (STYLE.md); here it only builds
URLs and talks to the token and revocation endpoints, and lib/sessions/sessions.py keeps the state
on the server.
"""

import logging
from typing import Any

import httpx2
from authlib.common.security import generate_token
from authlib.integrations.base_client import OAuthError
from authlib.integrations.httpx_client import AsyncOAuth2Client

from lib.discovery import HTTP_TIMEOUT, Discovery
from lib.errors import ApiError, ServiceUnavailable
from lib.settings import Settings

logger = logging.getLogger(__name__)

# docs/api.md, Google OAuth: the connectors read calendar events and mail.
SCOPES = (
    "openid email profile https://www.googleapis.com/auth/calendar.events.readonly "
    "https://www.googleapis.com/auth/gmail.readonly"
)
# A refresh token and a consent screen every time, so a reconnect always yields a refresh token.
AUTHORIZE_PARAMS = {
    "access_type": "offline",
    "include_granted_scopes": "true",
    "prompt": "consent",
}


class GoogleUnavailableError(Exception):
    """Google (discovery, token or revocation endpoint) could not be reached or answered oddly."""


class RefreshRefusedError(Exception):
    """Google refused the refresh token (revoked or expired grant): the tokens are worthless."""


class GoogleOAuth:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._discovery = Discovery(
            settings.google_discovery_url,
            required=("token_endpoint",),
            provider="Google",
            unavailable=GoogleUnavailableError,
        )

    @property
    def configured(self) -> bool:
        return not self._settings.google_oauth_missing

    def _client(self, **kwargs: Any) -> AsyncOAuth2Client:
        secret = self._settings.google_client_secret
        return AsyncOAuth2Client(
            client_id=self._settings.google_client_id,
            client_secret=secret.get_secret_value() if secret else None,
            scope=SCOPES,
            redirect_uri=self._settings.google_redirect_uri,
            code_challenge_method="S256",
            timeout=HTTP_TIMEOUT,
            **kwargs,
        )

    async def metadata(self) -> dict[str, Any]:
        """The discovery document, fetched once per process and kept."""
        return await self._discovery.document()

    async def authorization_url(self) -> tuple[str, str, str, str | None]:
        """(url, state, code_verifier, nonce) of a new sign-in."""
        metadata = await self.metadata()
        endpoint = metadata.get("authorization_endpoint")
        if not isinstance(endpoint, str):
            raise GoogleUnavailableError("discovery names no authorization endpoint")
        verifier = generate_token(48)
        nonce = generate_token(20)
        async with self._client() as client:
            url, state = client.create_authorization_url(
                endpoint, code_verifier=verifier, nonce=nonce, **AUTHORIZE_PARAMS
            )
        return str(url), str(state), verifier, nonce

    async def exchange_code(
        self, code: str, code_verifier: str, redirect_uri: str | None
    ) -> dict[str, Any]:
        """The token set for an authorization code; OAuthError or GoogleUnavailableError."""
        metadata = await self.metadata()
        async with self._client() as client:
            try:
                token = await client.fetch_token(
                    metadata["token_endpoint"],
                    code=code,
                    code_verifier=code_verifier,
                    redirect_uri=redirect_uri or self._settings.google_redirect_uri,
                    grant_type="authorization_code",
                )
            except httpx2.HTTPError as exc:
                raise GoogleUnavailableError(type(exc).__name__) from None
        return dict(token)

    async def refresh(self, refresh_token: str) -> dict[str, Any]:
        metadata = await self.metadata()
        async with self._client(token={"refresh_token": refresh_token}) as client:
            try:
                token = await client.refresh_token(
                    metadata["token_endpoint"], refresh_token=refresh_token
                )
            except OAuthError as exc:
                # RFC 6749 5.2: invalid_grant is the refresh token's end; other errors may pass.
                if exc.error in ("invalid_grant", "unauthorized_client", "invalid_client"):
                    raise RefreshRefusedError(exc.error) from None
                raise GoogleUnavailableError(str(exc.error)) from None
            except (httpx2.HTTPError, ValueError) as exc:
                raise GoogleUnavailableError(type(exc).__name__) from None
        return dict(token)

    async def revoke(self, token: str) -> bool:
        """Revoke at Google when discovery names a revocation endpoint; False when it does not."""
        metadata = await self.metadata()
        endpoint = metadata.get("revocation_endpoint")
        if not isinstance(endpoint, str):
            return False
        async with self._client() as client:
            try:
                response = await client.revoke_token(endpoint, token=token)
            except httpx2.HTTPError as exc:
                raise GoogleUnavailableError(type(exc).__name__) from None
        # 400 invalid_token: already revoked or expired, which is what we wanted.
        return bool(response.status_code < 500)


def oauth_not_configured(settings: Settings) -> ApiError:
    missing = " and ".join(settings.google_oauth_missing)
    return ServiceUnavailable(f"Google sign-in is not configured: set {missing} on the server.")
