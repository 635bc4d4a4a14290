import os from "node:os";
import path from "node:path";

import { defineConfig } from "@playwright/test";

import {
  ACCESS_TOKEN,
  BACKEND_PORT,
  BACKEND_URL,
  CHROMIUM,
  CROSS_ORIGIN,
  FAKE_OIDC_PORT,
  FAKE_OIDC_URL,
  FAKE_SIGN_IN_PORT,
  FAKE_SIGN_IN_URL,
  FAKE_OPENAI_PORT,
  FAKE_OPENAI_URL,
  FAKE_WEB_SERVICES_PORT,
  FAKE_WEB_SERVICES_URL,
  PYTHON,
  REPO_ROOT,
  WEB_PORT,
  WEB_URL,
} from "./e2e/env";
import { logged } from "./e2e/server-logs";

const reuse = process.env.E2E_REUSE_SERVERS === "1";

// A database of this run's own: conversations and object owners never leak between runs.
// Set once here, in the main process, and inherited by the test workers.
process.env.E2E_DATABASE_FILE ||= path.join(os.tmpdir(), `chat-e2e-${process.pid}-${Date.now()}.db`);
export const DATABASE_FILE = process.env.E2E_DATABASE_FILE;

/** What the backend needs to run against the fakes only, never a real service. */
const backendEnv: Record<string, string> = {
  BACKEND_ENV_FILE: "", // ignore a developer's backend/.env
  OPENAI_API_KEY: "sk-test-fake",
  OPENAI_BASE_URL: `${FAKE_OPENAI_URL}/v1`,
  CORS_ORIGINS: `${WEB_URL},http://localhost:${WEB_PORT}`,
  FRONTEND_URL: WEB_URL,
  SESSION_STORE_URL: "memory://",
  DATABASE_URL: `sqlite+aiosqlite:///${DATABASE_FILE}`,
  // Two models, one that reasons, so the model picker and the reasoning effort have choices.
  OPENAI_MODELS: "gpt-5.2,gpt-4.1",
  // Errors reach the page at once instead of after the SDK's backoff.
  OPENAI_MAX_RETRIES: "0",
  NOMINATIM_URL: `${FAKE_WEB_SERVICES_URL}/nominatim`,
  OPEN_METEO_URL: `${FAKE_WEB_SERVICES_URL}/open-meteo`,
  JOKE_API_URL: `${FAKE_WEB_SERVICES_URL}/jokeapi`,
  GOOGLE_DISCOVERY_URL: `${FAKE_OIDC_URL}/.well-known/openid-configuration`,
  GOOGLE_CLIENT_ID: "fake-client-id",
  GOOGLE_CLIENT_SECRET: "fake-client-secret-for-tests",
  // Google sends the browser back through whichever origin serves /api.
  GOOGLE_REDIRECT_URI: `${CROSS_ORIGIN ? BACKEND_URL : WEB_URL}/api/google/callback`,
  // Signing in with the team's provider (optional: nobody has to).
  OIDC_DISCOVERY_URL: `${FAKE_SIGN_IN_URL}/.well-known/openid-configuration`,
  OIDC_CLIENT_ID: "fake-client-id",
  OIDC_CLIENT_SECRET: "fake-client-secret-for-tests",
  OIDC_REDIRECT_URI: `${CROSS_ORIGIN ? BACKEND_URL : WEB_URL}/api/auth/callback`,
  // The fake provider's one person: an admin, who may see everyone's usage.
  ADMIN_EMAILS: "someone@example.com",
  // Small, so the "too large" path is reached with a small file.
  MAX_UPLOAD_BYTES: String(256 * 1024),
  SESSION_SECRET: "e2e-session-secret-not-for-production-0123456789",
  // Every test comes from one address: the per-client limits are for people, not this suite.
  RATE_LIMIT_TURNS: "10000/minute",
  RATE_LIMIT_UPLOADS: "10000/hour",
  RATE_LIMIT_SIGN_IN: "10000/minute",
  RATE_LIMIT_FUNCTIONS: "10000/minute",
  MAX_STREAMS_PER_CLIENT: "100",
  // Every test signs its browser in first (e2e/support.ts); access.spec.ts tests the form itself.
  ACCESS_TOKEN,
};

export default defineConfig({
  testDir: "./e2e",
  outputDir: "./test-results",
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  // Each test marks its messages with a unique token, so files can run side by side.
  workers: 2,
  retries: process.env.CI ? 1 : 0,
  // Servers log to test-results/e2e-logs/; a failed test prints what they wrote meanwhile.
  reporter: [["list"], ["./e2e/server-logs-reporter.ts"]],
  use: {
    baseURL: WEB_URL,
    trace: "retain-on-failure",
    launchOptions: {
      // Debian's chromium; Playwright never downloads a browser here.
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  projects: [{ name: "chromium", use: { browserName: "chromium" } }],
  webServer: [
    {
      name: "fake OpenAI",
      command: logged("fake-openai", `"${PYTHON}" -m tests.fakes.openai_server --port ${FAKE_OPENAI_PORT}`),
      cwd: `${REPO_ROOT}/backend`,
      url: `${FAKE_OPENAI_URL}/_fake/requests`,
      reuseExistingServer: reuse,
      timeout: 30_000,
      stdout: "ignore",
      stderr: "ignore",
    },
    {
      name: "fake web services",
      command: logged("fake-web-services", `"${PYTHON}" -m tests.fakes.web_services --port ${FAKE_WEB_SERVICES_PORT}`),
      cwd: `${REPO_ROOT}/backend`,
      url: `${FAKE_WEB_SERVICES_URL}/_fake/requests`,
      reuseExistingServer: reuse,
      timeout: 30_000,
      stdout: "ignore",
      stderr: "ignore",
    },
    {
      name: "fake Google OpenID provider",
      command: logged("fake-oidc", `"${PYTHON}" -m tests.fakes.oidc_provider --port ${FAKE_OIDC_PORT}`),
      cwd: `${REPO_ROOT}/backend`,
      url: `${FAKE_OIDC_URL}/.well-known/openid-configuration`,
      reuseExistingServer: reuse,
      timeout: 30_000,
      stdout: "ignore",
      stderr: "ignore",
    },
    {
      name: "fake sign-in provider",
      command: logged("fake-sign-in", `"${PYTHON}" -m tests.fakes.oidc_provider --port ${FAKE_SIGN_IN_PORT}`),
      cwd: `${REPO_ROOT}/backend`,
      url: `${FAKE_SIGN_IN_URL}/.well-known/openid-configuration`,
      env: { FAKE_OIDC_LOGIN_PAGE: "1" },
      reuseExistingServer: reuse,
      timeout: 30_000,
      stdout: "ignore",
      stderr: "ignore",
    },
    {
      name: "backend",
      command: logged("backend", `"${PYTHON}" -m uvicorn main:app --host 127.0.0.1 --port ${BACKEND_PORT}`),
      cwd: `${REPO_ROOT}/backend`,
      url: `${BACKEND_URL}/api/health`,
      env: backendEnv,
      reuseExistingServer: reuse,
      timeout: 30_000,
      stdout: "ignore",
      stderr: "ignore",
    },
    {
      name: "web",
      // A production build of its own (own dist folder): rewrites are fixed at build time.
      command: logged("web", "npm run build && npm run start"),
      cwd: REPO_ROOT,
      url: WEB_URL,
      env: {
        PORT: String(WEB_PORT),
        HOSTNAME: "127.0.0.1",
        BACKEND_URL,
        NEXT_PUBLIC_API_URL: CROSS_ORIGIN ? BACKEND_URL : "",
        NEXT_DIST_DIR: ".next-e2e",
        NEXT_TELEMETRY_DISABLED: "1",
      },
      reuseExistingServer: reuse,
      timeout: 240_000,
      stdout: "ignore",
      stderr: "ignore",
    },
  ],
});
