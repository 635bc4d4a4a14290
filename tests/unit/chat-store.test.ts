import { describe, expect, it } from "vitest";

import { ApiError, type Api } from "@/lib/api";
import type { StreamEvent } from "@/lib/sse";
import { defaultToolsState } from "@/lib/tools-state";
import { createChatStore } from "@/stores/chat-store";

import { upstreamEvents } from "./helpers/fixtures";

type Script = StreamEvent[] | Error | ((signal: AbortSignal) => AsyncGenerator<StreamEvent>);

function textTurn(text: string): StreamEvent[] {
  return [
    { type: "response.output_item.added", item: { id: "m-" + text, type: "message", role: "assistant", content: [] } },
    { type: "response.output_text.delta", item_id: "m-" + text, delta: text },
    {
      type: "response.completed",
      response: {
        output: [{ id: "m-" + text, type: "message", role: "assistant", content: [{ type: "output_text", text, annotations: [] }] }],
      },
    },
  ];
}

function setup(scripts: Script[], callFunction?: Api["callFunction"]) {
  const sent: unknown[][] = [];
  const functionCalls: Array<[string, unknown]> = [];
  const api = {
    async *turnResponse(body: { messages: unknown[] }, signal?: AbortSignal) {
      sent.push(structuredClone(body.messages));
      const script = scripts.shift();
      if (!script) throw new Error("no more scripted turns");
      if (script instanceof Error) throw script;
      if (typeof script === "function") {
        yield* script(signal as AbortSignal);
        return;
      }
      for (const event of script) yield event;
    },
    callFunction:
      callFunction ??
      (async (name: string, args: unknown) => {
        functionCalls.push([name, args]);
        return { joke: "A SQL query walks into a bar" };
      }),
  } as unknown as Api;
  const store = createChatStore({ api, getToolsState: defaultToolsState, schedule: (flush) => flush() });
  const idle = async () => {
    for (let i = 0; i < 100 && store.getState().busy; i++) await new Promise((r) => setTimeout(r, 1));
    expect(store.getState().busy).toBe(false);
  };
  return { store, sent, functionCalls, idle };
}

describe("chat store", () => {
  it("sends a message and streams the answer", async () => {
    const { store, sent, idle } = setup([textTurn("Hello")]);
    store.getState().send("  hi  ");
    expect(store.getState().busy).toBe(true);
    await idle();
    expect(sent).toEqual([[{ role: "user", content: "hi" }]]);
    expect(store.getState().chat.items.map((i) => i.kind)).toEqual(["user", "assistant"]);
  });

  it("ignores blank messages and messages while busy", async () => {
    const { store, sent, idle } = setup([textTurn("one")]);
    store.getState().send("   ");
    store.getState().send("first");
    store.getState().send("second");
    await idle();
    expect(sent).toHaveLength(1);
  });

  it("runs a function call and continues the turn with its output", async () => {
    const { store, sent, functionCalls, idle } = setup([upstreamEvents("function_call"), textTurn("done")]);
    store.getState().send("weather?");
    await idle();
    expect(functionCalls).toEqual([["get_weather_at_location", { location: "San Francisco, CA" }]]);
    expect(sent).toHaveLength(2);
    expect(sent[1]?.at(-1)).toEqual({
      type: "function_call_output",
      call_id: "call_0UFGPwrziw5rbinYp7rthrTb",
      output: JSON.stringify({ joke: "A SQL query walks into a bar" }),
    });
    const call = store.getState().chat.items.find((i) => i.kind === "function_call");
    expect(call).toMatchObject({ status: "done" });
  });

  it("hands a failing function's error to the model instead of stopping", async () => {
    const { store, sent, idle } = setup([upstreamEvents("function_call"), textTurn("sorry")], async () => {
      throw new ApiError(404, "Invalid location");
    });
    store.getState().send("weather?");
    await idle();
    expect(sent[1]?.at(-1)).toMatchObject({ output: JSON.stringify({ error: "Invalid location" }) });
  });

  it("stops a running turn and keeps what arrived", async () => {
    let release: () => void = () => undefined;
    const { store, idle } = setup([
      async function* (signal) {
        yield { type: "response.output_text.delta", item_id: "m1", delta: "partial" };
        await new Promise<void>((resolve) => {
          release = resolve;
          signal.addEventListener("abort", () => resolve());
        });
        if (signal.aborted) throw new DOMException("aborted", "AbortError");
        yield { type: "response.output_text.delta", item_id: "m1", delta: " more" };
      },
    ]);
    store.getState().send("go");
    await new Promise((r) => setTimeout(r, 5));
    store.getState().stop();
    release();
    await idle();
    const items = store.getState().chat.items;
    expect(items.find((i) => i.kind === "assistant")).toMatchObject({ text: "partial" });
    expect(items.at(-1)).toMatchObject({ kind: "notice" });
  });

  it("retries a refused turn with the same conversation", async () => {
    const { store, sent, idle } = setup([new ApiError(500, "The server had a problem"), textTurn("ok")]);
    store.getState().send("hello");
    await idle();
    expect(store.getState().chat.items.at(-1)).toMatchObject({ kind: "error", message: "The server had a problem" });
    store.getState().retry();
    await idle();
    expect(sent[0]).toEqual(sent[1]);
    expect(store.getState().chat.items.map((i) => i.kind)).toEqual(["user", "assistant"]);
  });

  it("answers an MCP approval and continues", async () => {
    const { store, sent, idle } = setup([upstreamEvents("mcp_approval_request"), textTurn("approved")]);
    store.getState().send("shorten it");
    await idle();
    const request = store.getState().chat.items.find((i) => i.kind === "mcp_approval_request");
    store.getState().answerApproval(request?.id ?? "", false);
    await idle();
    expect(sent[1]?.at(-1)).toEqual({ type: "mcp_approval_response", approval_request_id: request?.id, approve: false });
  });

  it("starts over with New chat", async () => {
    const { store, idle } = setup([textTurn("x")]);
    store.getState().send("a");
    await idle();
    store.getState().newChat();
    expect(store.getState().chat.items).toEqual([]);
  });
});
