"""Where readers of the migration guide look for sessions; the work lives in `lib/sessions/`."""

from lib.sessions.sessions import (
    SESSION_COOKIE_NAME,
    GoogleTokens,
    PendingSignIn,
    Sessions,
)

__all__ = ["SESSION_COOKIE_NAME", "GoogleTokens", "PendingSignIn", "Sessions"]
