/**
 * Ports and addresses of the end-to-end stack. Unusual defaults, so a run never
 * clashes with a developer's app on 3000/8000; each can be overridden.
 */
import path from "node:path";

const port = (name: string, fallback: number) => Number(process.env[name] || fallback);

export const BACKEND_PORT = port("E2E_BACKEND_PORT", 18930);
export const FAKE_OPENAI_PORT = port("E2E_FAKE_OPENAI_PORT", 18931);
export const WEB_PORT = port("E2E_WEB_PORT", 18932);
export const FAKE_WEB_SERVICES_PORT = port("E2E_FAKE_WEB_SERVICES_PORT", 18933);
export const FAKE_OIDC_PORT = port("E2E_FAKE_OIDC_PORT", 18934);
export const FAKE_SIGN_IN_PORT = port("E2E_FAKE_SIGN_IN_PORT", 18935);

export const BACKEND_URL = `http://127.0.0.1:${BACKEND_PORT}`;
export const FAKE_OPENAI_URL = `http://127.0.0.1:${FAKE_OPENAI_PORT}`;
export const WEB_URL = `http://127.0.0.1:${WEB_PORT}`;
export const FAKE_WEB_SERVICES_URL = `http://127.0.0.1:${FAKE_WEB_SERVICES_PORT}`;
export const FAKE_OIDC_URL = `http://127.0.0.1:${FAKE_OIDC_PORT}`;
/** The team's identity provider, for signing in: a fake of its own, with a sign-in page. */
export const FAKE_SIGN_IN_URL = `http://127.0.0.1:${FAKE_SIGN_IN_PORT}`;

/**
 * `same-origin` (default): the browser calls /api on the web server, which
 * rewrites to the backend. `cross-origin`: the client is built with
 * NEXT_PUBLIC_API_URL and calls the backend directly (CORS, cookies).
 */
export const CROSS_ORIGIN = process.env.E2E_MODE === "cross-origin";

/** Where the browser calls /api: the web server (rewrites) or the backend itself. */
export const API_URL = CROSS_ORIGIN ? BACKEND_URL : WEB_URL;

/** The e2e backend always runs with an access token, as a public deployment would. */
export const ACCESS_TOKEN = process.env.E2E_ACCESS_TOKEN || "e2e-access-token-not-for-production";

export const REPO_ROOT = path.resolve(__dirname, "..");
export const PYTHON = process.env.E2E_PYTHON || path.join(REPO_ROOT, ".venv", "bin", "python");
export const CHROMIUM = process.env.E2E_CHROMIUM || "/usr/bin/chromium";
