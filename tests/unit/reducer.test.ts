import { describe, expect, it } from "vitest";

import {
  CONNECTION_LOST,
  chatReducer,
  initialChatState,
  STOPPED_NOTICE,
} from "@/lib/chat/reducer";
import type { ChatItem, ChatState } from "@/lib/chat/types";
import type { StreamEvent } from "@/lib/sse";

import { runTurn, upstreamEvents } from "./helpers/fixtures";

function kinds(state: ChatState): string[] {
  return state.items.map((item) => item.kind);
}

function only<K extends ChatItem["kind"]>(state: ChatState, kind: K): Extract<ChatItem, { kind: K }>[] {
  return state.items.filter((item): item is Extract<ChatItem, { kind: K }> => item.kind === kind);
}

function started(text = "hi"): ChatState {
  const state = chatReducer(initialChatState, { type: "user_message", turnId: "t1", text });
  return chatReducer(state, { type: "turn_started", turnId: "t1" });
}

function feed(state: ChatState, events: StreamEvent[]): ChatState {
  return events.reduce((s, event) => chatReducer(s, { type: "stream_event", event }), state);
}

describe("plain text", () => {
  it("streams the answer and appends the whole output to the conversation", () => {
    const state = runTurn(upstreamEvents("text_basic"));
    const [answer] = only(state, "assistant");
    expect(kinds(state)).toEqual(["user", "assistant"]);
    expect(answer?.text.length).toBeGreaterThan(5);
    expect(answer?.done).toBe(true);
    expect(state.turn?.outcome).toBe("completed");
    expect(state.conversation[0]).toEqual({ role: "user", content: "hello" });
    expect(state.conversation[1]).toMatchObject({ type: "message", role: "assistant" });
    expect(state.conversation).toHaveLength(2);
  });

  it("creates the message when a delta arrives for an item it never saw", () => {
    const state = feed(started(), [
      { type: "response.output_text.delta", item_id: "m1", delta: "Hel" },
      { type: "response.output_text.delta", item_id: "m1", delta: "lo" },
    ]);
    expect(only(state, "assistant")[0]?.text).toBe("Hello");
  });
});

describe("function calls", () => {
  it("streams the arguments and leaves the call ready to run", () => {
    const events = upstreamEvents("function_call");
    const midway = feed(started(), events.slice(0, 6));
    const streaming = only(midway, "function_call")[0];
    expect(streaming?.status).toBe("streaming");
    expect(streaming?.arguments.startsWith('{"location')).toBe(true);

    const state = runTurn(events);
    const call = only(state, "function_call")[0];
    expect(call).toMatchObject({
      name: "get_weather_at_location",
      callId: "call_0UFGPwrziw5rbinYp7rthrTb",
      arguments: '{"location":"San Francisco, CA"}',
      status: "ready",
    });
  });

  it("adds the function output to the conversation after the call", () => {
    let state = runTurn(upstreamEvents("function_call"));
    state = chatReducer(state, {
      type: "function_output",
      callId: "call_0UFGPwrziw5rbinYp7rthrTb",
      output: '{"temperature":12}',
    });
    expect(only(state, "function_call")[0]).toMatchObject({ status: "done", output: '{"temperature":12}' });
    expect(state.conversation.map((i) => i.type ?? i.role)).toEqual(["user", "function_call", "function_call_output"]);
    expect(state.conversation[2]).toEqual({
      type: "function_call_output",
      call_id: "call_0UFGPwrziw5rbinYp7rthrTb",
      output: '{"temperature":12}',
    });
  });

  it("answers a pending call when the person stops before it ran", () => {
    let state = runTurn(upstreamEvents("function_call"));
    state = chatReducer(state, { type: "turn_aborted" });
    expect(state.conversation.at(-1)).toMatchObject({ type: "function_call_output" });
    expect(only(state, "function_call")[0]?.status).toBe("skipped");
  });
});

describe("hosted tools", () => {
  it("shows web searches with their queries and URL citations", () => {
    const state = runTurn(upstreamEvents("web_search"));
    const searches = only(state, "web_search");
    expect(searches).toHaveLength(2);
    expect(searches.every((s) => s.status === "done")).toBe(true);
    expect(searches[0]?.queries[0]).toContain("tallest mountain");
    const answer = only(state, "assistant")[0];
    expect(answer?.annotations).toEqual([
      expect.objectContaining({ type: "url_citation", url: "https://www.britannica.com/place/Mount-Columbia?utm_source=openai" }),
    ]);
    expect(state.conversation).toHaveLength(4);
  });

  it("marks a web search done as soon as its completed event arrives", () => {
    const events = upstreamEvents("web_search");
    const idx = events.findIndex((e) => e.type === "response.web_search_call.completed");
    const before = feed(started(), events.slice(0, idx));
    expect(only(before, "web_search")[0]?.status).toBe("searching");
    const after = feed(started(), events.slice(0, idx + 1));
    expect(only(after, "web_search")[0]?.status).toBe("done");
  });

  it("shows a file search and the cited file's name", () => {
    const state = runTurn(upstreamEvents("file_search"));
    expect(only(state, "file_search")[0]).toMatchObject({ status: "done" });
    expect(only(state, "file_search")[0]?.queries).toContain("Travis favorite food");
    expect(only(state, "assistant")[0]?.annotations).toEqual([
      { type: "file_citation", file_id: "file-NCKrwcbrD1Z2ucn4Mhe1yX", filename: "test_favorite_foods.txt" },
    ]);
  });

  it("streams code interpreter code and attaches the files it made", () => {
    const events = upstreamEvents("code_interpreter");
    const firstDone = events.findIndex((e) => e.type === "response.code_interpreter_call_code.done");
    const midway = feed(started(), events.slice(0, firstDone));
    const writing = only(midway, "code_interpreter")[0];
    expect(writing?.status).toBe("writing");
    expect(writing?.code).toContain("import pandas");

    const state = runTurn(events);
    const calls = only(state, "code_interpreter");
    expect(calls).toHaveLength(2);
    expect(calls[1]?.code).toContain("matplotlib");
    expect(calls[1]?.files).toEqual([
      {
        fileId: "cfile_68d5f31200208191afd3130709930804",
        containerId: "cntr_68d5f2ff755081909108df3898ede7a50cf76b1756858cda",
        filename: "cfile_68d5f31200208191afd3130709930804.png",
      },
    ]);
    expect(only(state, "assistant").at(-1)?.annotations[0]).toMatchObject({ type: "container_file_citation" });
  });

  it("shows the MCP tools list and a call with its arguments and output", () => {
    const state = runTurn(upstreamEvents("mcp_call"));
    const list = only(state, "mcp_list_tools")[0];
    expect(list?.serverLabel).toBe("dmcp");
    expect(list?.tools.map((t) => t.name)).toEqual(["roll"]);
    expect(only(state, "mcp_call")[0]).toMatchObject({
      name: "roll",
      arguments: '{"diceRollExpression":"2d4 + 1"}',
      output: "4",
      status: "done",
    });
    // the reasoning item stays in the conversation even though it is not shown
    expect(state.conversation.map((i) => i.type ?? i.role)).toEqual([
      "user",
      "mcp_list_tools",
      "reasoning",
      "mcp_call",
      "message",
    ]);
  });

  it("takes approval requests that only arrive in response.completed", () => {
    const events = upstreamEvents("mcp_approval_request").filter(
      (e) => !(e.type.startsWith("response.output_item") && (e.item as { type?: string })?.type === "mcp_approval_request"),
    );
    const state = runTurn(events);
    expect(only(state, "mcp_approval_request")).toHaveLength(1);
  });
});

describe("errors", () => {
  it("shows a mid-stream error once and keeps the conversation for Retry", () => {
    const state = runTurn(upstreamEvents("error_midstream_failed"));
    const errors = only(state, "error");
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toContain("exceeded your current quota");
    expect(state.turn?.outcome).toBe("failed");
    expect(state.conversation).toEqual([{ role: "user", content: "hello" }]);
  });

  it("reads the flat error shape too", () => {
    const state = runTurn([{ type: "error", code: "server_error", message: "Upstream timed out" }]);
    expect(only(state, "error")[0]?.message).toBe("Upstream timed out");
  });

  it("reports a stream that ends without a result as a lost connection", () => {
    const events = upstreamEvents("text_basic").filter((e) => e.type !== "response.completed");
    const state = runTurn(events);
    expect(only(state, "error")[0]?.message).toBe(CONNECTION_LOST);
    // the partial answer stays visible
    expect(only(state, "assistant")[0]?.text.length).toBeGreaterThan(0);
  });

  it("shows a refused request in words", () => {
    const state = chatReducer(started(), { type: "turn_failed", message: "Invalid API key" });
    expect(only(state, "error")[0]?.message).toBe("Invalid API key");
  });
});

describe("stop", () => {
  it("keeps the partial answer and sends it back as plain assistant text", () => {
    const events = upstreamEvents("text_basic");
    const cut = events.findIndex((e) => e.type === "response.output_text.done");
    let state = feed(started(), events.slice(0, cut - 2));
    const partial = only(state, "assistant")[0]?.text ?? "";
    state = chatReducer(state, { type: "turn_aborted" });
    expect(only(state, "assistant")[0]?.text).toBe(partial);
    expect(only(state, "notice")[0]?.text).toBe(STOPPED_NOTICE);
    expect(state.conversation.at(-1)).toEqual({ role: "assistant", content: partial });
    // late events of the stopped turn change nothing
    const late = feed(state, events.slice(cut));
    expect(late).toBe(state);
  });

  it("sends nothing back when stopped before the first token", () => {
    const state = chatReducer(started(), { type: "turn_aborted" });
    expect(state.conversation).toEqual([{ role: "user", content: "hi" }]);
  });
});

describe("multi-turn", () => {
  it("sends every earlier item with the next turn", () => {
    let state = runTurn(upstreamEvents("web_search"), "first");
    state = chatReducer(state, { type: "user_message", turnId: "t2", text: "second" });
    state = chatReducer(state, { type: "turn_started", turnId: "t2" });
    expect(state.turn?.request.map((i) => i.type ?? i.role)).toEqual([
      "user",
      "web_search_call",
      "web_search_call",
      "message",
      "user",
    ]);
  });
});
