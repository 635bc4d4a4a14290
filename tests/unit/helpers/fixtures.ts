import { readFileSync } from "node:fs";
import path from "node:path";

import { chatReducer, initialChatState } from "@/lib/chat/reducer";
import type { ChatState } from "@/lib/chat/types";
import { SseParser, type StreamEvent } from "@/lib/sse";

/** The recorded OpenAI streams, shared with the backend's tests and its fake OpenAI server. */
export const FIXTURES_DIR =
  process.env.FIXTURES_DIR ?? path.resolve(__dirname, "../../../backend/tests/fixtures/openai");

export function readFixture(name: string): string {
  return readFileSync(path.join(FIXTURES_DIR, name), "utf8");
}

/** The upstream events of a recorded stream, in order. */
export function upstreamEvents(name: string): StreamEvent[] {
  return new SseParser().push(readFixture(`${name}.sse`) + "\n\n");
}

/** A recorded stream re-framed the way the backend forwards it (docs/api.md). */
export function backendStream(name: string): string {
  return upstreamEvents(name)
    .map((event) => `data: ${JSON.stringify({ event: event.type, data: event })}\n\n`)
    .join("");
}

/** A conversation with one user message and a turn fed the given events. */
export function runTurn(events: StreamEvent[], text = "hello", base: ChatState = initialChatState): ChatState {
  let state = chatReducer(base, { type: "user_message", turnId: "t1", text });
  state = chatReducer(state, { type: "turn_started", turnId: "t1" });
  for (const event of events) state = chatReducer(state, { type: "stream_event", event });
  return chatReducer(state, { type: "stream_closed" });
}
