/**
 * Signing in with the team's OpenID Connect provider (docs/api.md, Sign-in): what the page says
 * when the round trip comes back with `?error=<code>`, and which trip it was. Google's connect
 * trip comes back with `?error=` too, so the page remembers which one it started.
 */

export interface AuthUser {
  id: string;
  email: string | null;
  name: string | null;
}

/** GET /api/auth/me. */
export interface AuthStatus {
  user: AuthUser | null;
  login_required: boolean;
  login_available: boolean;
  /** May read everyone's usage (ADMIN_EMAILS); absent from older servers. */
  admin?: boolean;
}

const ERRORS: Record<string, string> = {
  access_denied: "You were not signed in: the sign-in was cancelled at the provider.",
  invalid_state: "You were not signed in: the sign-in expired or was started in another tab. Please try again.",
  no_session: "You were not signed in: this browser's session was lost on the way. Please try again.",
  login_failed: "You were not signed in: the provider did not accept the sign-in. Please try again.",
  invalid_token: "You were not signed in: the provider's answer could not be verified. Please try again.",
  domain_not_allowed: "You were not signed in: accounts of that email domain may not use this chat.",
  email_not_verified: "You were not signed in: the provider has not verified your email address.",
  provider_unavailable: "You were not signed in: the sign-in provider could not be reached. Please try again later.",
  session_unavailable: "You were not signed in: the server could not keep your session just now. Please try again.",
  sign_in_unavailable: "Sign-in is not available on this server right now. Please try again later.",
};

// Never the text of the URL itself: a link from anywhere can put words there.
const UNKNOWN_ERROR = "You were not signed in. Please try again.";

const TRIP_KEY = "responses-chat:sign-in-trip";

/** Before the full-page trip to the provider. */
export function rememberSignInTrip(storage: Pick<Storage, "setItem">): void {
  try {
    storage.setItem(TRIP_KEY, "1");
  } catch {
    // Storage blocked: an error on the way back is then read as Google's, in general words.
  }
}

/** After a trip: whether it was a sign-in (asked once; the mark is gone after). */
export function takeSignInTrip(storage: Pick<Storage, "getItem" | "removeItem">): boolean {
  try {
    const was = storage.getItem(TRIP_KEY) === "1";
    storage.removeItem(TRIP_KEY);
    return was;
  } catch {
    return false;
  }
}

/** The words for a sign-in that came back with `?error=`, or null when it did not. */
export function signInError(search: string): string | null {
  const error = new URLSearchParams(search).get("error");
  if (!error) return null;
  return (Object.hasOwn(ERRORS, error) && ERRORS[error]) || UNKNOWN_ERROR;
}

/** How the signed-in person is named in the menu. */
export function displayName(user: AuthUser): string {
  return user.name?.trim() || user.email?.trim() || "Signed in";
}
