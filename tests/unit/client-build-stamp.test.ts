import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { afterAll, describe, expect, it } from "vitest";

const REPO = path.resolve(__dirname, "../..");

// A copy of what the fingerprint reads, so a test can change a source without touching ours.
const copy = mkdtempSync(path.join(tmpdir(), "client-stamp-"));
for (const entry of ["scripts", "app", "components", "lib", "stores", "package.json", "package-lock.json", "next.config.ts", "tsconfig.json", "postcss.config.mjs"]) {
  cpSync(path.join(REPO, entry), path.join(copy, entry), { recursive: true });
}
afterAll(() => rmSync(copy, { recursive: true, force: true }));

function stamp(env: Record<string, string> = {}): string {
  return execFileSync(path.join(copy, "scripts", "client-build-stamp.sh"), [], {
    env: { ...process.env, BACKEND_URL: "http://127.0.0.1:8000", NEXT_PUBLIC_API_URL: "", ...env },
  })
    .toString()
    .trim();
}

describe("make run's build fingerprint", () => {
  it("stays the same when nothing changed, so the client is not built again", () => {
    expect(stamp()).toMatch(/^[0-9a-f]{64}$/);
    expect(stamp()).toBe(stamp());
  });

  it("changes with the backend URL baked into the rewrites", () => {
    expect(stamp({ BACKEND_URL: "http://127.0.0.1:9000" })).not.toBe(stamp());
    expect(stamp({ NEXT_PUBLIC_API_URL: "http://localhost:8000" })).not.toBe(stamp());
  });

  it("changes when a source or the lock file changes", () => {
    const before = stamp();
    writeFileSync(path.join(copy, "lib", "new-module.ts"), "export const x = 1;\n");
    const afterSource = stamp();
    expect(afterSource).not.toBe(before);
    writeFileSync(path.join(copy, "package-lock.json"), "{}\n");
    expect(stamp()).not.toBe(afterSource);
  });
});
