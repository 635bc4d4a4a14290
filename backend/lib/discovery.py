"""An OpenID provider's discovery document, as both sign-ins read it (Google's connection in
lib/google/oauth.py, the team's sign-in in lib/auth/provider.py): fetched once per process and
kept; after a failure, asked again only after RETRY_SECONDS, not on every request."""

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

import httpx2

logger = logging.getLogger(__name__)

# A provider answers in well under a second; a hung one must not hold a request for long.
HTTP_TIMEOUT = httpx2.Timeout(10.0, connect=5.0)
RETRY_SECONDS = 5.0


async def get_json(url: str) -> dict[str, Any]:
    """A provider's JSON object (discovery, keys); ValueError when it is not one."""
    async with httpx2.AsyncClient(timeout=HTTP_TIMEOUT) as http:
        response = await http.get(url)
        response.raise_for_status()
        document = response.json()
    if not isinstance(document, dict):
        raise ValueError("not a JSON object")
    return document


class Discovery:
    def __init__(
        self,
        url: str,
        *,
        required: tuple[str, ...],
        provider: str,
        unavailable: Callable[[str], Exception],
    ) -> None:
        self._url = url
        self._required = required
        self._provider = provider  # how the log names it
        self._unavailable = unavailable
        self._document: dict[str, Any] | None = None
        self._lock = asyncio.Lock()
        self._failed_at = float("-inf")

    async def document(self) -> dict[str, Any]:
        if self._document is not None:
            return self._document
        async with self._lock:
            # Another request may have fetched it while this one waited for the lock.
            if self._document is None:
                self._document = await self._fetch()
            return self._document

    async def _fetch(self) -> dict[str, Any]:
        if time.monotonic() - self._failed_at < RETRY_SECONDS:
            raise self._unavailable("discovery failed moments ago")
        try:
            document = await get_json(self._url)
            for name in self._required:
                if not isinstance(document.get(name), str) or not document[name]:
                    raise ValueError(f"no {name}")
        except (httpx2.HTTPError, ValueError) as exc:
            self._failed_at = time.monotonic()
            logger.warning(
                "%s discovery failed: %s",
                self._provider,
                exc if isinstance(exc, ValueError) else type(exc).__name__,
            )
            raise self._unavailable("discovery failed") from None
        return document
