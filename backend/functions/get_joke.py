"""get_joke: one safe-mode programming joke (JokeAPI)."""

from lib.functions.jokes import fetch_joke
from lib.functions.registry import FunctionContext, server_function


@server_function
async def get_joke(context: FunctionContext) -> dict[str, str]:
    """Get a programming joke"""
    return {"joke": await fetch_joke(context.http, context.settings.joke_api_url)}
