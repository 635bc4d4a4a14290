import { describe, expect, it } from "vitest";

import type { ChatItem } from "@/lib/chat/types";
import { answerItems, applyFrame, applyFrames, isWaiting, newLiveTurn, type LiveTurn } from "@/lib/conversations/live-turn";
import { readNumberedEventStream, SseParser, type NumberedEvent } from "@/lib/sse";

import { chunkedBody, recordedTurn, recordedTurnText } from "./helpers/turns";

function text(turn: LiveTurn): string {
  return answerItems(turn)
    .filter((i): i is Extract<ChatItem, { kind: "assistant" }> => i.kind === "assistant")
    .map((i) => i.text)
    .join("|");
}

function fresh(): LiveTurn {
  return newLiveTurn("conv_1");
}

describe("a recorded turn", () => {
  it("streams the answer, learns the ids, the usage, the cost and the new title", () => {
    const frames = recordedTurn("text");
    const turn = applyFrames(fresh(), frames);
    expect(text(turn)).toBe("Hello there, how are you today?");
    expect(turn.turnId).toBe("msg_e2eddcbd54dc647ee5175ef7e4c6f20c");
    expect(turn.userMessageId).toBe("msg_d0a917f594572e7ef3440cd42f3c0a77");
    expect(turn).toMatchObject({ status: "completed", ended: true, lastEventId: 14, error: null });
    expect(turn.usage?.total_tokens).toBe(63);
    expect(turn.costUsd).toBeCloseTo(0.00079625);
    expect(turn.title).toBe("Fake title: Hello there, how");
  });

  it("waits for the first token, then shows it", () => {
    const frames = recordedTurn("text");
    const firstDelta = frames.findIndex((f) => f.event.type === "response.output_text.delta");
    expect(isWaiting(applyFrames(fresh(), frames.slice(0, firstDelta)))).toBe(true);
    expect(isWaiting(applyFrames(fresh(), frames.slice(0, firstDelta + 1)))).toBe(false);
  });

  it("shows a function the server ran with its output, and the answer of the next round", () => {
    const turn = applyFrames(fresh(), recordedTurn("function"));
    const kinds = answerItems(turn).map((i) => i.kind);
    expect(kinds).toEqual(["function_call", "assistant"]);
    const [call] = answerItems(turn);
    expect(call).toMatchObject({ kind: "function_call", name: "get_joke", status: "done" });
    expect(call?.kind === "function_call" && call.output).toBe('{"error": "Could not fetch joke"}');
    expect(text(turn)).toBe('The function returned: {"error": "Could not fetch joke"}');
    expect(turn.status).toBe("completed");
  });

  it("shows the reasoning summary while it streams, done once the answer is", () => {
    const frames = recordedTurn("reasoning");
    const summaryDone = frames.findIndex((f) => f.event.type === "response.reasoning_summary_text.done");
    const thinking = applyFrames(fresh(), frames.slice(0, summaryDone));
    const [reasoning] = answerItems(thinking);
    expect(reasoning).toMatchObject({ kind: "reasoning", done: false });
    expect(reasoning?.kind === "reasoning" && reasoning.summary).toContain("**Planning a short answer**\n\nThe user wants");

    const done = applyFrames(fresh(), frames);
    expect(answerItems(done).map((i) => i.kind)).toEqual(["reasoning", "assistant"]);
    expect(answerItems(done)[0]).toMatchObject({ kind: "reasoning", done: true });
    expect(text(done)).toMatch(/^The quick brown fox/);
  });

  it("ends a cancelled turn as cancelled and keeps what arrived", () => {
    const turn = applyFrames(fresh(), recordedTurn("cancelled"));
    expect(turn.status).toBe("cancelled");
    expect(turn.ended).toBe(true);
    expect(text(turn)).toMatch(/^word0 word1 .* word45 $/);
    expect(turn.error).toBeNull();
  });
});

describe("resuming without duplicates", () => {
  const frames = recordedTurn("cancelled");
  const whole = text(applyFrames(fresh(), frames));

  it("goes on from Last-Event-ID after a drop: the same text, once", () => {
    for (const cut of [1, 2, 5, 17, frames.length - 2]) {
      const before = applyFrames(fresh(), frames.slice(0, cut));
      expect(before.lastEventId).toBe(frames[cut - 1]?.id);
      // The events route answers the frames after Last-Event-ID.
      const after = frames.filter((f) => (f.id ?? 0) > before.lastEventId);
      expect(text(applyFrames(before, after))).toBe(whole);
    }
  });

  it("skips frames it already has when a replay overlaps (a reload replays from the start)", () => {
    const before = applyFrames(fresh(), frames.slice(0, 20));
    const overlapping = applyFrames(before, frames.slice(10));
    expect(text(overlapping)).toBe(whole);
    const replayedTwice = applyFrames(applyFrames(fresh(), frames), frames);
    expect(text(replayedTwice)).toBe(whole);
  });

  it("reads the same numbered frames from bytes cut anywhere", async () => {
    const raw = recordedTurnText("reasoning");
    const expected = text(applyFrames(fresh(), recordedTurn("reasoning")));
    for (const sizes of [[1], [7, 3], [64], [1000]]) {
      const read: NumberedEvent[] = [];
      for await (const frame of readNumberedEventStream(chunkedBody(raw, sizes))) read.push(frame);
      expect(read.map((f) => f.id)).toEqual(recordedTurn("reasoning").map((f) => f.id));
      expect(text(applyFrames(fresh(), read))).toBe(expected);
    }
  });

  it("drops a stream broken in the middle of a frame and takes that frame whole from the replay", () => {
    const raw = recordedTurnText("text");
    const parser = new SseParser();
    const cutAt = raw.indexOf("response.output_text.delta") + 40;
    const first = parser.pushNumbered(raw.slice(0, cutAt)); // the connection breaks here
    const before = applyFrames(fresh(), first);
    const rest = recordedTurn("text").filter((f) => (f.id ?? 0) > before.lastEventId);
    expect(text(applyFrames(before, rest))).toBe("Hello there, how are you today?");
  });

  it("ignores frames after the end", () => {
    const ended = applyFrames(fresh(), recordedTurn("text"));
    const late = applyFrame(ended, { id: 99, event: { type: "response.output_text.delta", item_id: "x", delta: "late" } });
    expect(late).toBe(ended);
  });
});

describe("errors", () => {
  it("says why a turn failed, from the error frame", () => {
    const turn = applyFrames(fresh(), [
      { id: 1, event: { type: "turn.started", turn_id: "msg_a", user_message_id: "msg_u", conversation_id: "conv_1" } },
      {
        id: 2,
        event: {
          type: "error",
          error: { type: "invalid_request_error", code: "upstream_refused", message: "You exceeded your current quota." },
        },
      },
      { id: 3, event: { type: "turn.ended", status: "failed", usage: null } },
    ]);
    expect(turn).toMatchObject({ status: "failed", ended: true, error: "You exceeded your current quota." });
  });

  it("marks a turn cut short without words as such", () => {
    const frames = recordedTurn("text").slice(0, 6);
    const turn = applyFrame(applyFrames(fresh(), frames), {
      id: 7,
      event: { type: "turn.ended", status: "incomplete", usage: null },
    });
    expect(turn.status).toBe("incomplete");
    expect(turn.error).toBe("The answer was cut short.");
    expect(answerItems(turn).every((i) => i.kind !== "assistant" || i.done)).toBe(true);
  });
});
