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

/** A frame of a conversation turn: its `id:` number (null when it has none) and its event. */
export interface NumberedEvent {
  id: number | null;
  event: StreamEvent;
}

/** The `id:` line of a frame, as a number; null without one (or when it is not a number). */
export function frameId(frame: string): number | null {
  for (const line of frame.split("\n")) {
    if (!line.startsWith("id:")) continue;
    const value = line.slice(3).trim();
    return /^\d+$/.test(value) ? Number(value) : null;
  }
  return null;
}

/**
 * Incremental frame splitter: feed it text as it arrives, in chunks of any
 * size, and it hands back every event whose frame is complete.
 */
export class SseParser {
  private buffer = "";

  push(text: string): StreamEvent[] {
    return this.pushNumbered(text).map((frame) => frame.event);
  }

  /** As `push`, keeping each frame's `id:` number (the conversation routes number their frames). */
  pushNumbered(text: string): NumberedEvent[] {
    // A `\r\n` line end would hide the blank-line separator; normalise it.
    this.buffer += text.replace(/\r\n?/g, "\n");
    // A lone `\r` at the very end may be the first half of `\r\n`: the
    // replacement above already turned it into `\n`, which is harmless.
    const events: NumberedEvent[] = [];
    let boundary = this.buffer.indexOf("\n\n");
    while (boundary !== -1) {
      const frame = this.buffer.slice(0, boundary);
      this.buffer = this.buffer.slice(boundary + 2);
      const event = parseFrame(frame);
      if (event) events.push({ id: frameId(frame), event });
      boundary = this.buffer.indexOf("\n\n");
    }
    return events;
  }

  /** The stream ended: a last frame without its blank line still counts. */
  finish(): StreamEvent[] {
    return this.finishNumbered().map((frame) => frame.event);
  }

  finishNumbered(): NumberedEvent[] {
    const rest = this.buffer;
    this.buffer = "";
    if (rest.trim() === "") return [];
    const event = parseFrame(rest);
    return event ? [{ id: frameId(rest), event }] : [];
  }
}

/** Reads a fetch body to the end, yielding events as their frames complete. */
export async function* readEventStream(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<StreamEvent, void, undefined> {
  for await (const frame of readNumberedEventStream(body)) yield frame.event;
}

/** As `readEventStream`, with each frame's `id:` number. */
export async function* readNumberedEventStream(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<NumberedEvent, void, undefined> {
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
      yield* parser.pushNumbered(decoder.decode(value, { stream: true }));
    }
    yield* parser.pushNumbered(decoder.decode());
    yield* parser.finishNumbered();
  } finally {
    // Left early (Stop, or the consumer gave up): tell the server we are gone.
    if (!finished) void reader.cancel().catch(() => undefined);
    else reader.releaseLock();
  }
}
