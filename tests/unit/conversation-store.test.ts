import { describe, expect, it, vi } from "vitest";

import { ApiError, type Api, type Conversation, type TurnRequest } from "@/lib/api";
import type { ChatItem } from "@/lib/chat/types";
import { viewMessages } from "@/lib/conversations/messages";
import type { NumberedEvent } from "@/lib/sse";
import { defaultToolsState } from "@/lib/tools-state";
import { createConversationStore, isBusy } from "@/stores/conversation-store";

import { conversation, message } from "./helpers/conversations";
import { recordedTurn } from "./helpers/turns";

const MODELS = {
  default: "gpt-5.2",
  models: [
    { id: "gpt-5.2", label: "GPT-5.2", reasoning: { efforts: ["none", "low", "high"], default: "none" } },
    { id: "gpt-4.1", label: "GPT-4.1", reasoning: null },
  ],
};

/** A stream the test feeds by hand, and can break. */
class Wire {
  private frames: Array<NumberedEvent | Error | null> = [];
  private wake: (() => void) | null = null;

  push(...items: Array<NumberedEvent | Error | null>) {
    this.frames.push(...items);
    this.wake?.();
  }

  async *read(): AsyncGenerator<NumberedEvent> {
    for (;;) {
      const next = this.frames.shift();
      if (next === undefined) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        continue;
      }
      if (next === null) return;
      if (next instanceof Error) throw next;
      yield next;
    }
  }
}

function setup(stored: Conversation) {
  let current = stored;
  const bodies: TurnRequest[] = [];
  const resumes: Array<{ turnId: string; after: number }> = [];
  const cancels: string[] = [];
  const patches: Array<Record<string, unknown>> = [];
  const wires: Wire[] = [];
  let startFailure: Error | null = null;
  const api = {
    models: vi.fn(async () => MODELS),
    createConversation: vi.fn(async () => current),
    getConversation: vi.fn(async () => current),
    updateConversation: vi.fn(async (_id: string, patch: Record<string, unknown>) => {
      patches.push(patch);
      return current;
    }),
    startTurn: vi.fn((_id: string, body: TurnRequest) => {
      bodies.push(body);
      if (startFailure) {
        const failure = startFailure;
        startFailure = null;
        return (async function* (): AsyncGenerator<NumberedEvent> {
          throw failure;
        })();
      }
      const wire = new Wire();
      wires.push(wire);
      return wire.read();
    }),
    turnEvents: vi.fn((_id: string, turnId: string, after: number) => {
      resumes.push({ turnId, after });
      const wire = new Wire();
      wires.push(wire);
      return wire.read();
    }),
    cancelTurn: vi.fn(async (_id: string, turnId: string) => {
      cancels.push(turnId);
      return { status: "cancelled" };
    }),
  };
  const store = createConversationStore({
    api: api as unknown as Api,
    getToolsState: defaultToolsState,
    schedule: (flush) => flush(),
    sleep: async () => undefined,
    storage: null,
  });
  return {
    store,
    api,
    bodies,
    resumes,
    cancels,
    patches,
    wires,
    setStored: (next: Conversation) => (current = next),
    failNextStart: (error: Error) => (startFailure = error),
    lastWire: () => wires[wires.length - 1] as Wire,
  };
}

function answerText(items: ChatItem[]): string {
  return items.map((i) => (i.kind === "assistant" ? i.text : "")).join("");
}

function shownAnswer(s: ReturnType<typeof setup>, id: string) {
  const open = s.store.getState().open[id];
  const view = viewMessages(open?.conversation?.messages ?? [], open?.pending ?? null);
  return view.at(-1);
}

const frames = recordedTurn("cancelled");
const wholeText = "word0 word1 word2 word3 word4 word5 word6 word7 word8 word9 word10 word11 word12 word13 word14 word15 word16 word17 word18 word19 word20 word21 word22 word23 word24 word25 word26 word27 word28 word29 word30 word31 word32 word33 word34 word35 word36 word37 word38 word39 word40 word41 word42 word43 word44 word45 ";
const turnId = "msg_1fc345e9faa4ae8b3adb0211df7058e6";

describe("the conversation store", () => {
  it("sends into a new conversation with the tools and the model, and settles on the stored answer", async () => {
    const s = setup(conversation("conv_1", []));
    await s.store.getState().loadModels();
    s.store.getState().setChoice(null, { model: "gpt-5.2", effort: "high" });
    const id = await s.store.getState().send(null, "  Hello  ");
    expect(id).toBe("conv_1");
    expect(s.bodies[0]).toMatchObject({
      text: "Hello",
      toolsState: defaultToolsState(),
      model: "gpt-5.2",
      reasoning: { effort: "high", summary: "auto" },
    });
    expect(s.bodies[0]).not.toHaveProperty("parent_id");
    // The choice made for the new chat stays with the conversation it became.
    expect(s.store.getState().choiceOf("conv_1")).toEqual({ model: "gpt-5.2", effort: "high" });
    expect(isBusy(s.store.getState().open.conv_1)).toBe(true);

    s.lastWire().push(...recordedTurn("text"), null);
    s.setStored(conversation("conv_1", [message("u", "user", "Hello", null), message("a", "assistant", "Hi!", "u")]));
    await vi.waitFor(() => expect(s.store.getState().open.conv_1?.pending).toBeNull());
    expect(isBusy(s.store.getState().open.conv_1)).toBe(false);
    expect(shownAnswer(s, "conv_1")).toMatchObject({ id: "a", stored: true });
  });

  it("picks a dropped stream up again with Last-Event-ID, and no text comes twice", async () => {
    const s = setup(conversation("conv_1", [message("u0", "user", "Earlier", null), message("a0", "assistant", "Before", "u0")]));
    await s.store.getState().openConversation("conv_1");
    const seen: string[] = [];
    s.store.subscribe((state) => {
      const live = state.open.conv_1?.pending?.live;
      if (live) seen.push(answerText(live.chat.items));
    });
    await s.store.getState().send("conv_1", "long");
    expect(s.bodies[0]).toMatchObject({ text: "long", parent_id: "a0" });
    s.lastWire().push(...frames.slice(0, 20), new TypeError("network error"));
    await vi.waitFor(() => expect(s.resumes).toHaveLength(1));
    expect(s.resumes[0]).toEqual({ turnId, after: 20 });
    // The server replays from what it was told; an overlap would be skipped as well.
    s.lastWire().push(...frames.slice(15, 30), null);
    await vi.waitFor(() => expect(s.resumes).toHaveLength(2));
    expect(s.resumes[1]).toEqual({ turnId, after: 30 });
    const live = s.store.getState().open.conv_1?.pending?.live;
    expect(live?.lastEventId).toBe(30);
    s.lastWire().push(...frames.slice(30));
    await vi.waitFor(() => expect(s.api.getConversation).toHaveBeenCalledTimes(2));
    expect(s.store.getState().errors).toEqual({});
    // What streamed, before the stored answer took its place, grew to the whole text once.
    expect(seen.every((text) => wholeText.startsWith(text))).toBe(true);
    expect(seen.at(-1)).toBe(wholeText);
  });

  it("attaches to an answer still streaming when a conversation opens (a reload, a second tab)", async () => {
    const streaming = message(turnId, "assistant", "word0 word1", "u", { status: "streaming" });
    const s = setup(conversation("conv_1", [message("u", "user", "long", null), streaming]));
    const opening = s.store.getState().openConversation("conv_1");
    await vi.waitFor(() => expect(s.resumes).toEqual([{ turnId, after: 0 }]));
    s.lastWire().push(...frames.slice(0, 10));
    await vi.waitFor(() => expect(shownAnswer(s, "conv_1")?.live).toBe(true));
    expect(shownAnswer(s, "conv_1")?.id).toBe(turnId);
    s.lastWire().push(...frames.slice(10));
    await opening;
    expect(s.api.getConversation).toHaveBeenCalledTimes(2);
  });

  it("reads the stored answer when the turn can no longer be replayed (410)", async () => {
    const streaming = message(turnId, "assistant", "partial", "u", { status: "streaming" });
    const s = setup(conversation("conv_1", [message("u", "user", "long", null), streaming]));
    const opening = s.store.getState().openConversation("conv_1");
    await vi.waitFor(() => expect(s.resumes).toHaveLength(1));
    s.setStored(conversation("conv_1", [message("u", "user", "long", null), { ...streaming, status: "completed" }]));
    s.lastWire().push(new ApiError(410, "Gone"));
    await opening;
    expect(s.store.getState().open.conv_1?.pending).toBeNull();
    expect(shownAnswer(s, "conv_1")?.status).toBe("completed");
  });

  it("cancels on Stop, even before the turn's id is known", async () => {
    const s = setup(conversation("conv_1", []));
    await s.store.getState().send("conv_1", "long");
    await s.store.getState().stop("conv_1");
    expect(s.cancels).toEqual([]);
    s.lastWire().push(...frames.slice(0, 5));
    await vi.waitFor(() => expect(s.cancels).toEqual([turnId]));
    s.lastWire().push(...frames.slice(5));
    await vi.waitFor(() => expect(s.store.getState().open.conv_1?.pending).toBeNull());
  });

  it("shows a turn the server refused before streaming, and Retry sends it again", async () => {
    const s = setup(conversation("conv_1", []));
    s.failNextStart(new ApiError(429, "Too many requests right now."));
    await s.store.getState().send("conv_1", "hello");
    await vi.waitFor(() => expect(shownAnswer(s, "conv_1")?.error).toBe("Too many requests right now."));
    expect(isBusy(s.store.getState().open.conv_1)).toBe(false);
    const retrying = s.store.getState().retry("conv_1");
    await vi.waitFor(() => expect(s.bodies).toHaveLength(2));
    expect(s.bodies[1]).toMatchObject({ text: "hello" });
    s.lastWire().push(...recordedTurn("text"));
    await retrying;
  });

  it("regenerates an answer, edits a message as a new branch, and switches versions", async () => {
    const path = [message("u1", "user", "Q", null), message("a1", "assistant", "A", "u1"), message("u2", "user", "Q2", "a1"), message("a2", "assistant", "A2", "u2")];
    const s = setup(conversation("conv_1", path));
    await s.store.getState().openConversation("conv_1");

    const regenerating = s.store.getState().regenerate("conv_1", "a2");
    expect(s.bodies.at(-1)).toMatchObject({ regenerate: "a2" });
    expect(viewMessages(path, s.store.getState().open.conv_1?.pending ?? null).map((m) => m.id)).toEqual([
      "u1",
      "a1",
      "u2",
      "pending:answer",
    ]);
    s.lastWire().push(...recordedTurn("text"));
    await regenerating;

    const editing = s.store.getState().edit("conv_1", "u2", "Q2, better");
    expect(s.bodies.at(-1)).toMatchObject({ text: "Q2, better", parent_id: "a1" });
    s.lastWire().push(...recordedTurn("text"));
    await editing;

    const editingFirst = s.store.getState().edit("conv_1", "u1", "Another start");
    expect(s.bodies.at(-1)).toEqual(expect.objectContaining({ text: "Another start", parent_id: null }));
    s.lastWire().push(...recordedTurn("text"));
    await editingFirst;

    await s.store.getState().switchVersion("conv_1", "a2b");
    expect(s.patches).toEqual([{ current_message_id: "a2b" }]);
  });

  it("answers an MCP approval request as the next input", async () => {
    const s = setup(conversation("conv_1", [message("u", "user", "Q", null), message("a", "assistant", "", "u")]));
    await s.store.getState().openConversation("conv_1");
    const answering = s.store.getState().answerApproval("conv_1", "mcpr_1", false);
    expect(s.bodies.at(-1)).toMatchObject({
      input: [{ type: "mcp_approval_response", approval_request_id: "mcpr_1", approve: false }],
      parent_id: "a",
    });
    s.lastWire().push(...recordedTurn("text"));
    await answering;
  });

  it("keeps an answer streaming in one conversation while another opens", async () => {
    const s = setup(conversation("conv_1", []));
    await s.store.getState().send("conv_1", "long");
    s.lastWire().push(...frames.slice(0, 12));
    s.setStored(conversation("conv_2", [message("x", "user", "Other", null)]));
    await s.store.getState().openConversation("conv_2");
    expect(isBusy(s.store.getState().open.conv_1)).toBe(true);
    await vi.waitFor(() =>
      expect(answerText(s.store.getState().open.conv_1?.pending?.live?.chat.items ?? [])).toBe(
        "word0 word1 word2 word3 word4 word5 word6 ",
      ),
    );
    expect(s.store.getState().open.conv_2?.conversation?.messages).toHaveLength(1);
  });
});
