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
