import { describe, expect, it } from "vitest";

import { parseFrame, readEventStream, SseParser, type StreamEvent } from "@/lib/sse";

import { backendStream, upstreamEvents } from "./helpers/fixtures";

function chunked(text: string, sizes: number[]): string[] {
  const chunks: string[] = [];
  let at = 0;
  let i = 0;
  while (at < text.length) {
    const size = sizes[i++ % sizes.length] ?? 1;
    chunks.push(text.slice(at, at + size));
    at += size;
  }
  return chunks;
}

function streamOf(parts: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const part of parts) controller.enqueue(part);
      controller.close();
    },
  });
}

async function collect(gen: AsyncGenerator<StreamEvent>): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  for await (const event of gen) out.push(event);
  return out;
}

describe("parseFrame", () => {
  it("unwraps the backend's {event, data} envelope", () => {
    const event = parseFrame('data: {"event":"response.output_text.delta","data":{"type":"response.output_text.delta","delta":"Hi"}}');
    expect(event).toEqual({ type: "response.output_text.delta", delta: "Hi" });
  });

  it("accepts a bare OpenAI event with an event: line above it", () => {
    expect(parseFrame('event: error\ndata: {"type":"error","message":"x"}')).toEqual({ type: "error", message: "x" });
  });

  it("ignores comment-only frames, [DONE] and broken JSON", () => {
    expect(parseFrame(": keep-alive")).toBeNull();
    expect(parseFrame("data: [DONE]")).toBeNull();
    expect(parseFrame("data: {not json")).toBeNull();
  });

  it("joins multi-line data fields with newlines", () => {
    expect(parseFrame('data: {"type":\ndata: "x"}')).toEqual({ type: "x" });
  });
});

describe("SseParser", () => {
  it("gives the same events whatever the chunking", () => {
    const text = backendStream("web_search");
    const whole = new SseParser().push(text);
    expect(whole.length).toBe(upstreamEvents("web_search").length);
    for (const sizes of [[1], [7, 3, 50], [1000], [2, 11]]) {
      const parser = new SseParser();
      const events = chunked(text, sizes).flatMap((chunk) => parser.push(chunk));
      events.push(...parser.finish());
      expect(events).toEqual(whole);
    }
  });

  it("skips comment lines between frames", () => {
    const parser = new SseParser();
    const events = parser.push(': ping\n\ndata: {"event":"a","data":{"type":"a"}}\n\n: ping\n\n');
    expect(events).toEqual([{ type: "a" }]);
  });

  it("survives \\r\\n line ends", () => {
    const parser = new SseParser();
    expect(parser.push('data: {"type":"a"}\r\n\r\ndata: {"type":"b"}\r\n\r\n')).toEqual([{ type: "a" }, { type: "b" }]);
  });

  it("keeps a trailing frame without its blank line for finish()", () => {
    const parser = new SseParser();
    expect(parser.push('data: {"type":"a"}')).toEqual([]);
    expect(parser.finish()).toEqual([{ type: "a" }]);
  });
});

describe("readEventStream", () => {
  it("decodes multi-byte characters split across network chunks", async () => {
    const bytes = new TextEncoder().encode(
      'data: {"event":"response.output_text.delta","data":{"type":"response.output_text.delta","delta":"héllo ✓ 😀"}}\n\n',
    );
    const parts = Array.from({ length: bytes.length }, (_, i) => bytes.slice(i, i + 1));
    const events = await collect(readEventStream(streamOf(parts)));
    expect(events).toEqual([{ type: "response.output_text.delta", delta: "héllo ✓ 😀" }]);
  });

  it("reads a whole recorded stream", async () => {
    const bytes = new TextEncoder().encode(backendStream("code_interpreter"));
    const parts = [bytes.slice(0, 4096), bytes.slice(4096, 4099), bytes.slice(4099)];
    const events = await collect(readEventStream(streamOf(parts)));
    expect(events.map((e) => e.type)).toEqual(upstreamEvents("code_interpreter").map((e) => e.type));
  });
});
