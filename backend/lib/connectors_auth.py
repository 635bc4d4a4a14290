"""The Google access token that the Calendar and Gmail connectors of a turn use."""

from fastapi import Request


async def google_access_token(request: Request) -> str | None:
    """The session's fresh Google access token, or None when the session has not connected.

    Google OAuth is not wired in yet, so no session has a token.
    """
    return None
