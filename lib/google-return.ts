/** What the Google OAuth round trip left in the URL (`?connected=1` or `?error=...`), in words. */
export interface OAuthReturn {
  ok: boolean;
  message: string;
}

const ERRORS: Record<string, string> = {
  access_denied: "Google was not connected: the permission was not granted.",
  invalid_state: "Google was not connected: the sign-in expired or was started in another tab. Please try again.",
  "no-session": "Google was not connected: your session was lost during the sign-in. Please try again.",
  oauth_failed: "Google was not connected: Google did not accept the sign-in. Please try again.",
  session_unavailable: "Google was not connected: the server could not keep your session just now. Please try again.",
};

// Anything else in `?error=` is shown as this, never as the text itself: a link from anywhere
// can put words there, and the page must not say them in its own voice.
const UNKNOWN_ERROR = "Google was not connected. Please try again.";

export function readOAuthReturn(search: string): OAuthReturn | null {
  const params = new URLSearchParams(search);
  if (params.get("connected") === "1") {
    return { ok: true, message: "Google is connected. Switch on Google in the tools panel to use Calendar and Gmail." };
  }
  const error = params.get("error");
  if (error) {
    return { ok: false, message: (Object.hasOwn(ERRORS, error) && ERRORS[error]) || UNKNOWN_ERROR };
  }
  return null;
}

/** The same URL without the OAuth parameters, for history.replaceState. */
export function withoutOAuthParams(href: string): string {
  const url = new URL(href);
  for (const key of ["connected", "error", "error_description"]) url.searchParams.delete(key);
  return url.pathname + (url.searchParams.toString() ? `?${url.searchParams}` : "") + url.hash;
}

const RETURN_KEY = "responses-chat:google-return";

/** Only this app's own conversation pages: never a path another page could have put there. */
const SAFE_RETURN = /^\/c\/[A-Za-z0-9_-]{1,64}$/;

/** Before the full-page trip to Google: remember which conversation was open. */
export function rememberReturnPath(storage: Pick<Storage, "setItem">, pathname: string): void {
  try {
    if (SAFE_RETURN.test(pathname)) storage.setItem(RETURN_KEY, pathname);
  } catch {
    // Storage blocked: the trip comes back to a new chat.
  }
}

/** After the trip: the conversation to open again (once), or null. */
export function takeReturnPath(storage: Pick<Storage, "getItem" | "removeItem">): string | null {
  try {
    const path = storage.getItem(RETURN_KEY);
    storage.removeItem(RETURN_KEY);
    return path && SAFE_RETURN.test(path) ? path : null;
  } catch {
    return null;
  }
}
