"""get_joke: one safe-mode programming joke from JokeAPI (docs/api.md, Functions)."""

import logging

import httpx2

from lib.errors import ApiError, InternalError
from lib.functions.web_services import get_json

logger = logging.getLogger(__name__)

# The contract's words for every failure of this function (its status is the contract's 500).
JOKE_FAILED = "Could not fetch joke"


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
        raise InternalError(JOKE_FAILED) from None
    joke = _joke_text(data)
    if joke is None:
        logger.warning("get_joke failed: JokeAPI sent no joke")
        raise InternalError(JOKE_FAILED)
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
