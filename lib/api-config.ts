/**
 * Where the browser finds the backend.
 *
 * - `NEXT_PUBLIC_API_URL` set: the backend is on another origin; every call
 *   sends the session cookie (`credentials: "include"`) and the backend's CORS
 *   settings allow this origin.
 * - unset: the empty string, so calls go to `/api/...` on this origin and
 *   `next.config` rewrites them to `BACKEND_URL`.
 *
 * `process.env.NEXT_PUBLIC_API_URL` must be written out in full: Next inlines it
 * into the browser bundle at build time only in that exact form.
 */
export function normaliseBaseUrl(raw: string | undefined | null): string {
  const value = (raw ?? "").trim();
  return value.replace(/\/+$/, "");
}

export const API_BASE_URL: string = normaliseBaseUrl(process.env.NEXT_PUBLIC_API_URL);

/** Cookies must travel to the backend in both modes (the Google session). */
export function credentialsFor(baseUrl: string): RequestCredentials {
  return baseUrl ? "include" : "same-origin";
}
