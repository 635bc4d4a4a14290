import { isObject, type JsonObject } from "./json";

/** One event of the OpenAI Responses stream, as the backend forwards it. */
export interface StreamEvent extends JsonObject {
  type: string;
}

/**
 * Turns one SSE frame (the text between two blank lines) into an event.
 *
 * The backend wraps each upstream event as `{"event": type, "data": event}`
 * (docs/api.md, POST /api/turn_response). A bare OpenAI event (`{"type": ...}`)
 * is accepted too, so recorded upstream streams can be fed in directly.
 * Comment lines (`:`), `event:`/`id:`/`retry:` lines and unparseable frames
 * are ignored rather than breaking the whole turn.
 */
export function parseFrame(frame: string): StreamEvent | null {
  const dataLines: string[] = [];
  for (const line of frame.split("\n")) {
    if (line.startsWith("data:")) {
      const value = line.slice(5);
      dataLines.push(value.startsWith(" ") ? value.slice(1) : value);
    }
  }
  if (dataLines.length === 0) return null;
  const payload = dataLines.join("\n");
  if (payload.trim() === "" || payload.trim() === "[DONE]") return null;

  let parsed: unknown;
  try {
    parsed = JSON.parse(payload);
  } catch {
    return null;
  }
  if (!isObject(parsed)) return null;

  if (typeof parsed.event === "string" && "data" in parsed) {
    const data = parsed.data;
    if (isObject(data)) {
      return { ...data, type: typeof data.type === "string" ? data.type : parsed.event };
    }
    return { type: parsed.event, data };
  }
  if (typeof parsed.type === "string") return parsed as StreamEvent;
  return null;
}

/**
 * Incremental frame splitter: feed it text as it arrives, in chunks of any
 * size, and it hands back every event whose frame is complete.
 */
export class SseParser {
  private buffer = "";

  push(text: string): StreamEvent[] {
    // A `\r\n` line end would hide the blank-line separator; normalise it.
    this.buffer += text.replace(/\r\n?/g, "\n");
    // A lone `\r` at the very end may be the first half of `\r\n`: the
    // replacement above already turned it into `\n`, which is harmless.
    const events: StreamEvent[] = [];
    let boundary = this.buffer.indexOf("\n\n");
    while (boundary !== -1) {
      const frame = this.buffer.slice(0, boundary);
      this.buffer = this.buffer.slice(boundary + 2);
      const event = parseFrame(frame);
      if (event) events.push(event);
      boundary = this.buffer.indexOf("\n\n");
    }
    return events;
  }

  /** The stream ended: a last frame without its blank line still counts. */
  finish(): StreamEvent[] {
    const rest = this.buffer;
    this.buffer = "";
    if (rest.trim() === "") return [];
    const event = parseFrame(rest);
    return event ? [event] : [];
  }
}

/** Reads a fetch body to the end, yielding events as their frames complete. */
export async function* readEventStream(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<StreamEvent, void, undefined> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const parser = new SseParser();
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        finished = true;
        break;
      }
      // `stream: true` keeps a multi-byte character split across chunks whole.
      yield* parser.push(decoder.decode(value, { stream: true }));
    }
    yield* parser.push(decoder.decode());
    yield* parser.finish();
  } finally {
    // Left early (Stop, or the consumer gave up): tell the server we are gone.
    if (!finished) void reader.cancel().catch(() => undefined);
    else reader.releaseLock();
  }
}
