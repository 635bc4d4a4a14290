/**
 * The servers of the end-to-end stack write their logs to files instead of the
 * test output, where hundreds of access-log lines buried the results. The
 * reporter in server-logs-reporter.ts prints what they wrote during a test
 * only when that test fails.
 */
import { mkdirSync } from "node:fs";
import path from "node:path";

import { CROSS_ORIGIN, REPO_ROOT } from "./env";

// Not under test-results/: Playwright empties that folder after the servers have started.
export const LOG_DIR = path.join(REPO_ROOT, ".e2e-logs", CROSS_ORIGIN ? "cross-origin" : "same-origin");

export function logFile(name: string): string {
  return path.join(LOG_DIR, `${name}.log`);
}

/** `command` run by the shell with both its streams going to `name`'s log file. */
export function logged(name: string, command: string): string {
  mkdirSync(LOG_DIR, { recursive: true });
  return `(${command}) > "${logFile(name)}" 2>&1`;
}
