"use client";

import { create, type StoreApi, type UseBoundStore } from "zustand";

import { api as defaultApi, ApiError, type Api, type ConversationSummary } from "@/lib/api";

/** How long a deleted conversation can be brought back before the delete is sent. */
export const UNDO_MS = 5000;
const PAGE_SIZE = 30;

export interface DeletedConversation {
  summary: ConversationSummary;
  /** Where it was in the list, to put it back there. */
  index: number;
}

export interface SidebarStore {
  /** The list (or the search results while `query` is set). */
  items: ConversationSummary[];
  nextCursor: string | null;
  loading: boolean;
  error: string | null;
  query: string;
  /** Deleted, waiting for the undo time to pass. */
  deleted: DeletedConversation[];
  loadFirst: () => Promise<void>;
  loadMore: () => Promise<void>;
  search: (query: string) => Promise<void>;
  /** A conversation was created or changed: first in the list, with what is known of it. */
  touch: (summary: Partial<ConversationSummary> & { id: string }) => void;
  rename: (id: string, title: string) => Promise<boolean>;
  remove: (id: string) => void;
  undo: (id: string) => void;
}

export interface SidebarDeps {
  api: Api;
  /** Timers, swappable in tests. */
  setTimer?: (run: () => void, ms: number) => unknown;
  clearTimer?: (timer: unknown) => void;
  /** A delete was sent (the open view may forget the conversation). */
  onDeleted?: (id: string) => void;
}

function words(error: unknown): string {
  return error instanceof ApiError ? error.message : "Could not load the conversations.";
}

export function createSidebarStore(deps: SidebarDeps): UseBoundStore<StoreApi<SidebarStore>> {
  const setTimer = deps.setTimer ?? ((run, ms) => setTimeout(run, ms));
  const clearTimer = deps.clearTimer ?? ((timer) => clearTimeout(timer as ReturnType<typeof setTimeout>));

  return create<SidebarStore>()((set, get) => {
    /** Every load carries a number; an answer to an older one is dropped. */
    let generation = 0;
    let controller: AbortController | null = null;
    const timers = new Map<string, unknown>();

    const hidden = (id: string) => get().deleted.some((d) => d.summary.id === id);

    async function load(cursor: string | null) {
      const own = ++generation;
      controller?.abort();
      const abort = new AbortController();
      controller = abort;
      set({ loading: true, error: null });
      try {
        const page = await deps.api.listConversations(
          { limit: PAGE_SIZE, cursor, q: get().query || undefined },
          abort.signal,
        );
        if (own !== generation) return;
        const fresh = page.data.filter((c) => !hidden(c.id));
        set((s) => {
          const items = cursor ? [...s.items, ...fresh.filter((c) => !s.items.some((i) => i.id === c.id))] : fresh;
          return { items, nextCursor: page.next_cursor, loading: false };
        });
      } catch (error) {
        if (own !== generation || (error instanceof DOMException && error.name === "AbortError")) return;
        set({ loading: false, error: words(error) });
      }
    }

    async function sendDelete(id: string) {
      timers.delete(id);
      const entry = get().deleted.find((d) => d.summary.id === id);
      if (!entry) return;
      try {
        await deps.api.deleteConversation(id);
        set((s) => ({ deleted: s.deleted.filter((d) => d.summary.id !== id) }));
        deps.onDeleted?.(id);
      } catch (error) {
        // Not deleted after all: it comes back, and the reason is said.
        set((s) => ({
          deleted: s.deleted.filter((d) => d.summary.id !== id),
          items: s.items.some((i) => i.id === id) ? s.items : insertAt(s.items, entry.summary, entry.index),
          error: error instanceof ApiError ? error.message : "The conversation could not be deleted.",
        }));
      }
    }

    return {
      items: [],
      nextCursor: null,
      loading: false,
      error: null,
      query: "",
      deleted: [],

      loadFirst: () => load(null),

      async loadMore() {
        const { nextCursor, loading } = get();
        if (!nextCursor || loading) return;
        await load(nextCursor);
      },

      async search(query) {
        if (query === get().query) return;
        set({ query, nextCursor: null });
        await load(null);
      },

      touch(summary) {
        if (get().query) return; // search results stay as the search found them
        // Deleted, waiting for Undo: a late title or answer must not bring it back before then.
        if (hidden(summary.id)) return;
        set((s) => {
          const known = s.items.find((i) => i.id === summary.id);
          const now = new Date().toISOString();
          const merged: ConversationSummary = {
            id: summary.id,
            title: summary.title ?? known?.title ?? "",
            created_at: summary.created_at ?? known?.created_at ?? now,
            updated_at: summary.updated_at ?? now,
          };
          return { items: [merged, ...s.items.filter((i) => i.id !== summary.id)] };
        });
      },

      async rename(id, title) {
        const trimmed = title.trim();
        const before = get().items.find((i) => i.id === id);
        if (!trimmed || !before || trimmed === before.title) return false;
        set((s) => ({ items: s.items.map((i) => (i.id === id ? { ...i, title: trimmed } : i)) }));
        try {
          await deps.api.updateConversation(id, { title: trimmed });
          return true;
        } catch (error) {
          set((s) => ({
            items: s.items.map((i) => (i.id === id ? { ...i, title: before.title } : i)),
            error: error instanceof ApiError ? error.message : "The conversation could not be renamed.",
          }));
          return false;
        }
      },

      remove(id) {
        const index = get().items.findIndex((i) => i.id === id);
        const summary = get().items[index];
        if (!summary) return;
        set((s) => ({
          items: s.items.filter((i) => i.id !== id),
          deleted: [...s.deleted, { summary, index }],
        }));
        timers.set(id, setTimer(() => void sendDelete(id), UNDO_MS));
      },

      undo(id) {
        const entry = get().deleted.find((d) => d.summary.id === id);
        if (!entry) return;
        clearTimer(timers.get(id));
        timers.delete(id);
        set((s) => ({
          deleted: s.deleted.filter((d) => d.summary.id !== id),
          items: insertAt(
            s.items.filter((i) => i.id !== id),
            entry.summary,
            entry.index,
          ),
        }));
      },
    };
  });
}

function insertAt<T>(list: T[], item: T, index: number): T[] {
  const at = Math.max(0, Math.min(index, list.length));
  return [...list.slice(0, at), item, ...list.slice(at)];
}

export const useSidebarStore = createSidebarStore({ api: defaultApi });
