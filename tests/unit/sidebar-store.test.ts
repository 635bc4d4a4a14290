import { describe, expect, it, vi } from "vitest";

import { ApiError, type Api, type ConversationSummary } from "@/lib/api";
import { createSidebarStore, UNDO_MS } from "@/stores/sidebar-store";

const summary = (id: string, title = id): ConversationSummary => ({
  id,
  title,
  created_at: "2026-12-02T10:00:00Z",
  updated_at: "2026-12-02T10:00:00Z",
});

function setup() {
  const pages: Record<string, { data: ConversationSummary[]; next_cursor: string | null }> = {
    "": { data: [summary("a"), summary("b")], next_cursor: "c1" },
    c1: { data: [summary("c")], next_cursor: null },
  };
  const timers: Array<{ run: () => void; ms: number; cleared: boolean }> = [];
  const api = {
    listConversations: vi.fn(async (query: { cursor?: string | null; q?: string }) =>
      query.q ? { data: [{ ...summary("b"), snippet: "…found it" }], next_cursor: null } : pages[query.cursor ?? ""],
    ),
    deleteConversation: vi.fn(async () => undefined),
    updateConversation: vi.fn(async () => ({})),
  };
  const store = createSidebarStore({
    api: api as unknown as Api,
    setTimer: (run, ms) => {
      const timer = { run, ms, cleared: false };
      timers.push(timer);
      return timer;
    },
    clearTimer: (timer) => {
      (timer as { cleared: boolean }).cleared = true;
    },
  });
  return { store, api, timers };
}

const ids = (items: ConversationSummary[]) => items.map((i) => i.id);

describe("the sidebar", () => {
  it("loads page after page through next_cursor", async () => {
    const { store } = setup();
    await store.getState().loadFirst();
    expect(ids(store.getState().items)).toEqual(["a", "b"]);
    await store.getState().loadMore();
    expect(ids(store.getState().items)).toEqual(["a", "b", "c"]);
    expect(store.getState().nextCursor).toBeNull();
  });

  it("searches as you type, with the snippet, and comes back to the list", async () => {
    const { store, api } = setup();
    await store.getState().loadFirst();
    await store.getState().search("foun");
    expect(store.getState().items).toEqual([{ ...summary("b"), snippet: "…found it" }]);
    expect(api.listConversations).toHaveBeenLastCalledWith({ limit: 30, cursor: null, q: "foun" }, expect.anything());
    await store.getState().search("");
    expect(ids(store.getState().items)).toEqual(["a", "b"]);
  });

  it("deletes only after the undo time, and Undo puts it back where it was", async () => {
    const { store, api, timers } = setup();
    await store.getState().loadFirst();
    store.getState().remove("a");
    expect(ids(store.getState().items)).toEqual(["b"]);
    expect(timers[0]?.ms).toBe(UNDO_MS);
    store.getState().undo("a");
    expect(timers[0]?.cleared).toBe(true);
    expect(ids(store.getState().items)).toEqual(["a", "b"]);
    expect(api.deleteConversation).not.toHaveBeenCalled();

    store.getState().remove("b");
    timers[1]?.run();
    await vi.waitFor(() => expect(api.deleteConversation).toHaveBeenCalledWith("b"));
    await vi.waitFor(() => expect(store.getState().deleted).toEqual([]));
    expect(ids(store.getState().items)).toEqual(["a"]);
  });

  it("keeps a deleted conversation hidden from a late title, and Undo shows it once", async () => {
    const { store } = setup();
    await store.getState().loadFirst();
    store.getState().remove("a");
    // The title generated after the first answer arrives while the Undo is on offer.
    store.getState().touch({ ...summary("a"), title: "Fake title" });
    expect(ids(store.getState().items)).toEqual(["b"]);
    store.getState().undo("a");
    expect(ids(store.getState().items)).toEqual(["a", "b"]);
  });

  it("puts a conversation back when the delete fails, and says why", async () => {
    const { store, api, timers } = setup();
    await store.getState().loadFirst();
    api.deleteConversation.mockRejectedValueOnce(new ApiError(503, "The database is down."));
    store.getState().remove("b");
    timers[0]?.run();
    await vi.waitFor(() => expect(ids(store.getState().items)).toEqual(["a", "b"]));
    expect(store.getState().error).toBe("The database is down.");
  });

  it("renames in place, and takes the old title back when the server refuses", async () => {
    const { store, api } = setup();
    await store.getState().loadFirst();
    expect(await store.getState().rename("a", "  Trip  ")).toBe(true);
    expect(api.updateConversation).toHaveBeenCalledWith("a", { title: "Trip" });
    expect(store.getState().items[0]?.title).toBe("Trip");
    api.updateConversation.mockRejectedValueOnce(new ApiError(400, "title: too long"));
    expect(await store.getState().rename("a", "x".repeat(300))).toBe(false);
    expect(store.getState().items[0]?.title).toBe("Trip");
    expect(store.getState().error).toBe("title: too long");
  });

  it("puts a conversation that changed first", async () => {
    const { store } = setup();
    await store.getState().loadFirst();
    store.getState().touch({ id: "b", title: "New title" });
    expect(store.getState().items.map((i) => [i.id, i.title])).toEqual([
      ["b", "New title"],
      ["a", "a"],
    ]);
  });
});
