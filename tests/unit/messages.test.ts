import { describe, expect, it } from "vitest";

import { applyFrames, newLiveTurn } from "@/lib/conversations/live-turn";
import { storedAnswerItems, userText, viewMessages, type PendingTurn } from "@/lib/conversations/messages";

import { message } from "./helpers/conversations";
import { recordedTurn } from "./helpers/turns";

const u1 = message("u1", "user", "First question", null);
const a1 = message("a1", "assistant", "First answer", "u1");
const u2 = message("u2", "user", "Second question", "a1", { sibling_ids: ["u2", "u2b"] });
const a2 = message("a2", "assistant", "Second answer", "u2", { sibling_ids: ["a2", "a2b", "a2c"] });
const path = [u1, a1, u2, a2];

function pending(change: Partial<PendingTurn>): PendingTurn {
  return { parentId: null, userText: null, regenerateOf: null, live: null, startError: null, ...change };
}

describe("stored messages", () => {
  it("shows the active path with each message's versions", () => {
    const view = viewMessages(path, null);
    expect(view.map((m) => [m.role, m.role === "user" ? m.text : m.items.length])).toEqual([
      ["user", "First question"],
      ["assistant", 1],
      ["user", "Second question"],
      ["assistant", 1],
    ]);
    expect(view[3]?.siblingIds).toEqual(["a2", "a2b", "a2c"]);
    expect(view.every((m) => m.stored && !m.live)).toBe(true);
  });

  it("reads a user message's text parts", () => {
    expect(userText({ items: [{ role: "user", content: [{ type: "input_text", text: "a" }, { type: "input_text", text: "b" }] }], text: "" })).toBe(
      "a\n\nb",
    );
  });

  it("shows a function the server ran with its output, and a call that never ran as skipped", () => {
    const answer = message("a", "assistant", "", "u", {
      items: [
        { id: "fc_1", type: "function_call", call_id: "c1", name: "get_joke", arguments: "{}" },
        { type: "function_call_output", call_id: "c1", output: '{"joke": "x"}' },
        { id: "fc_2", type: "function_call", call_id: "c2", name: "get_weather", arguments: "{}" },
      ],
    });
    expect(storedAnswerItems(answer)).toMatchObject([
      { kind: "function_call", callId: "c1", status: "done", output: '{"joke": "x"}' },
      { kind: "function_call", callId: "c2", status: "skipped" },
    ]);
  });

  it("gives an approval request the decision of the answer after it, and hides that answer", () => {
    const ask = message("a", "assistant", "", "u", {
      items: [{ id: "mcpr_1", type: "mcp_approval_request", name: "tool", server_label: "s", arguments: "{}" }],
    });
    const approve = message("u2", "user", "", "a", {
      items: [{ type: "mcp_approval_response", approval_request_id: "mcpr_1", approve: true }],
    });
    const view = viewMessages([message("u", "user", "q", null), ask, approve], null);
    expect(view.map((m) => m.id)).toEqual(["u", "a"]);
    expect(view[1]?.items[0]).toMatchObject({ kind: "mcp_approval_request", decision: "approved" });
  });

  it("says why a stored answer stopped: the words this tab saw, else the server kept, else the status", () => {
    const failed = message("a", "assistant", "", "u", { status: "failed", items: [] });
    const [, plain] = viewMessages([message("u", "user", "q", null), failed], null);
    expect(plain?.error).toBe("The model could not answer.");
    const kept = message("a", "assistant", "", "u", {
      status: "failed",
      items: [],
      error: { type: "insufficient_quota", code: null, message: "You exceeded your current quota." },
    });
    const [, stored] = viewMessages([message("u", "user", "q", null), kept], null);
    expect(stored?.error).toBe("You exceeded your current quota.");
    const [, known] = viewMessages([message("u", "user", "q", null), failed], null, new Map([["a", "Quota exceeded."]]));
    expect(known?.error).toBe("Quota exceeded.");
  });
});

describe("a turn of this tab", () => {
  it("adds the new question and the streaming answer at the end", () => {
    const live = applyFrames(newLiveTurn("c"), recordedTurn("text").slice(0, 8));
    const view = viewMessages(path, pending({ parentId: "a2", userText: "Third", live }));
    expect(view.map((m) => m.id)).toEqual(["u1", "a1", "u2", "a2", live.userMessageId, live.turnId]);
    expect(view.at(-2)).toMatchObject({ role: "user", text: "Third", stored: false });
    expect(view.at(-1)).toMatchObject({ role: "assistant", live: true, stored: false });
  });

  it("cuts the path at the edited message: the edit is a new branch", () => {
    const view = viewMessages(path, pending({ parentId: "a1", userText: "Second question, edited" }));
    expect(view.map((m) => m.id)).toEqual(["u1", "a1", "pending:user", "pending:answer"]);
    expect(view[2]?.text).toBe("Second question, edited");
    expect(view[3]?.waiting).toBe(true);
  });

  it("edits the first message as a new root", () => {
    const view = viewMessages(path, pending({ parentId: null, userText: "Other start" }));
    expect(view.map((m) => m.id)).toEqual(["pending:user", "pending:answer"]);
  });

  it("puts a regenerated answer in the place of the one it replaces", () => {
    const view = viewMessages(path, pending({ parentId: "u2", regenerateOf: "a2" }));
    expect(view.map((m) => m.id)).toEqual(["u1", "a1", "u2", "pending:answer"]);
  });

  it("replaces a stored answer still streaming (after a reload) with the one being followed", () => {
    const streaming = message("a2", "assistant", "Second ans", "u2", { status: "streaming" });
    const live = { ...newLiveTurn("c", "a2"), userMessageId: "u2" };
    const view = viewMessages([u1, a1, u2, streaming], pending({ parentId: "u2", live }));
    expect(view.map((m) => m.id)).toEqual(["u1", "a1", "u2", "a2"]);
    expect(view[3]?.live).toBe(true);
  });

  it("shows the new question once when the reloaded path already has it", () => {
    const live = applyFrames(newLiveTurn("c"), recordedTurn("text").slice(0, 3));
    const stored = [
      message(live.userMessageId ?? "", "user", "Hello", null),
      message(live.turnId ?? "", "assistant", "", live.userMessageId, { status: "streaming", items: [] }),
    ];
    const view = viewMessages(stored, pending({ parentId: null, userText: "Hello", live }));
    expect(view.filter((m) => m.role === "user")).toHaveLength(1);
  });

  it("shows a turn that could not start with its reason, for Retry", () => {
    const view = viewMessages(path, pending({ parentId: "a2", userText: "Third", startError: "Too many requests." }));
    expect(view.at(-1)).toMatchObject({ id: "pending:error", status: "failed", error: "Too many requests." });
  });
});
