import { readFileSync } from "node:fs";
import path from "node:path";

import { SseParser, type NumberedEvent } from "@/lib/sse";

/** Frames of a turn recorded from the backend (tests/unit/fixtures/turns/README.md). */
export function recordedTurnText(name: string): string {
  return readFileSync(path.resolve(__dirname, "../fixtures/turns", `${name}.sse`), "utf8");
}

export function recordedTurn(name: string): NumberedEvent[] {
  const parser = new SseParser();
  return [...parser.pushNumbered(recordedTurnText(name)), ...parser.finishNumbered()];
}

/** The bytes of a recorded turn as a fetch body, cut into chunks of the given sizes. */
export function chunkedBody(text: string, sizes: number[]): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  const parts: Uint8Array[] = [];
  let at = 0;
  let i = 0;
  while (at < bytes.length) {
    const size = sizes[i++ % sizes.length] ?? 1;
    parts.push(bytes.slice(at, at + size));
    at += size;
  }
  return new ReadableStream({
    start(controller) {
      for (const part of parts) controller.enqueue(part);
      controller.close();
    },
  });
}
