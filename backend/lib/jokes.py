"""get_joke: one safe-mode programming joke from JokeAPI (docs/api.md, Functions)."""

import logging

import httpx2

from lib.errors import ApiError
from lib.web_services import get_json

logger = logging.getLogger(__name__)

# The contract's words and status for every failure of this function.
JOKE_FAILED = ApiError(500, "Could not fetch joke")


async def fetch_joke(http: httpx2.AsyncClient, joke_api_url: str) -> str:
    try:
        data = await get_json(
            http,
            # JokeAPI's safe mode is a bare flag, not a key=value pair.
            joke_api_url.rstrip("/") + "/joke/Programming?safe-mode",
            {},
            "joke service (JokeAPI)",
        )
    except ApiError as exc:
        logger.warning("get_joke failed: %s", exc.message)
        raise ApiError(JOKE_FAILED.status_code, JOKE_FAILED.message) from None
    joke = _joke_text(data)
    if joke is None:
        logger.warning("get_joke failed: JokeAPI sent no joke")
        raise ApiError(JOKE_FAILED.status_code, JOKE_FAILED.message)
    return joke


def _joke_text(data: object) -> str | None:
    if not isinstance(data, dict) or data.get("error") is not False:
        return None
    if data.get("type") == "single" and isinstance(data.get("joke"), str):
        return str(data["joke"])
    setup, delivery = data.get("setup"), data.get("delivery")
    if data.get("type") == "twopart" and isinstance(setup, str) and isinstance(delivery, str):
        return f"{setup} - {delivery}"
    return None
