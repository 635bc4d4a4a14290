"""The one HTTP client for the weather and joke services, and what their failures mean for us."""

from collections.abc import Mapping
from typing import Any

import httpx2

from lib.errors import GatewayTimeout, UpstreamFailed
from lib.settings import Settings

# Nominatim's usage policy asks every application to identify itself; a generic library agent
# gets refused.
USER_AGENT = "responses-chat-backend/1.0 (chat assistant; get_weather and get_joke functions)"


def create_http_client(settings: Settings) -> httpx2.AsyncClient:
    timeout = settings.functions_timeout
    return httpx2.AsyncClient(
        timeout=httpx2.Timeout(timeout, connect=min(timeout, 3.0)),
        headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
        limits=httpx2.Limits(max_connections=100, max_keepalive_connections=20),
    )


async def get_json(
    http: httpx2.AsyncClient, url: str, params: Mapping[str, str | float], service: str
) -> Any:
    """GET `url` with URL-encoded `params` and parse the JSON, or fail with 502/504."""
    try:
        # An empty mapping would wipe a query already in `url`.
        response = await http.get(url, params=dict(params) or None)
    except httpx2.TimeoutException:
        raise GatewayTimeout(f"The {service} did not answer in time; try again.") from None
    except httpx2.HTTPError:
        raise UpstreamFailed(f"Could not reach the {service}; try again shortly.") from None
    if response.status_code != 200:
        raise UpstreamFailed(f"The {service} failed (status {response.status_code}).")
    try:
        return response.json()
    except ValueError:
        raise UpstreamFailed(f"The {service} sent an answer that is not JSON.") from None
