import { closeSync, existsSync, openSync, readdirSync, readSync, statSync } from "node:fs";
import path from "node:path";

import type { Reporter, TestCase, TestResult } from "@playwright/test/reporter";

import { LOG_DIR } from "./server-logs";

/** Where each log file ended when a test began; its failure prints what came after. */
type Offsets = Map<string, number>;

function logOffsets(): Offsets {
  const offsets: Offsets = new Map();
  if (!existsSync(LOG_DIR)) return offsets;
  for (const name of readdirSync(LOG_DIR)) offsets.set(name, statSync(path.join(LOG_DIR, name)).size);
  return offsets;
}

function readFrom(file: string, offset: number): string {
  const size = statSync(file).size;
  if (size <= offset) return "";
  const buffer = Buffer.alloc(size - offset);
  const fd = openSync(file, "r");
  try {
    readSync(fd, buffer, 0, buffer.length, offset);
  } finally {
    closeSync(fd);
  }
  return buffer.toString("utf8");
}

const TAIL_LINES = 40;

export default class ServerLogsReporter implements Reporter {
  private started = new Map<string, Offsets>();

  /** A server that would not start (or died) fails the run outside any test: show its end. */
  onError(): void {
    if (!existsSync(LOG_DIR)) return;
    for (const name of readdirSync(LOG_DIR).sort()) {
      const lines = readFrom(path.join(LOG_DIR, name), 0).trimEnd().split("\n").slice(-TAIL_LINES);
      if (lines.join("")) console.log(`\n--- last lines of ${name} ---\n${lines.join("\n")}`);
    }
  }

  onTestBegin(test: TestCase, result: TestResult): void {
    this.started.set(`${test.id}:${result.retry}`, logOffsets());
  }

  onTestEnd(test: TestCase, result: TestResult): void {
    const key = `${test.id}:${result.retry}`;
    const offsets = this.started.get(key) ?? new Map<string, number>();
    this.started.delete(key);
    if (result.status === test.expectedStatus || !existsSync(LOG_DIR)) return;
    const parts: string[] = [];
    for (const name of readdirSync(LOG_DIR).sort()) {
      const text = readFrom(path.join(LOG_DIR, name), offsets.get(name) ?? 0).trimEnd();
      if (text) parts.push(`--- ${name} (while "${test.title}" ran; other tests may share it) ---\n${text}`);
    }
    if (parts.length) console.log(`\nServer logs of the failed test:\n${parts.join("\n")}\n`);
  }
}
