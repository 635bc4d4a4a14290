"use client";

import { create, type StoreApi, type UseBoundStore } from "zustand";

import {
  api as defaultApi,
  ApiError,
  type Api,
  type Conversation,
  type ModelList,
  type StoredMessage,
  type TurnRequest,
} from "@/lib/api";
import { applyFrame, newLiveTurn, type LiveTurn } from "@/lib/conversations/live-turn";
import type { PendingTurn } from "@/lib/conversations/messages";
import { choiceFor, fitChoice, turnModelFields, type ModelChoice } from "@/lib/conversations/model-choice";
import type { NumberedEvent } from "@/lib/sse";
import { toToolsState, type ToolsState } from "@/lib/tools-state";

import { useGoogleStore } from "./google-store";
import { useSidebarStore } from "./sidebar-store";
import { useToolsStore } from "./tools-store";

/** A conversation this tab has open (or had open: a turn keeps streaming in the background). */
export interface OpenConversation {
  id: string;
  /** The stored conversation as last loaded. */
  conversation: Conversation | null;
  /** Why it could not be loaded, in words. */
  loadError: string | null;
  /** A turn of this tab, or one being followed. */
  pending: PendingTurn | null;
  /** The request of a turn that could not start: Retry sends it again. */
  failedRequest: TurnRequest | null;
}

export interface ConversationStoreState {
  open: Record<string, OpenConversation>;
  /** Errors of answers this tab saw end, by message id: the stored message has no words for them. */
  errors: Record<string, string>;
  models: ModelList | null;
  modelsError: string | null;
  /** Model choices by conversation id; `new` holds the one for a chat not created yet. */
  choices: Record<string, ModelChoice>;
}

export interface ConversationStoreActions {
  loadModels: () => Promise<void>;
  /** Loads a conversation (again) and attaches to its answer if that is still streaming. */
  openConversation: (id: string) => Promise<void>;
  /** Sends a message: into `id`, or into a new conversation (whose id the promise gives). */
  send: (id: string | null, text: string) => Promise<string | null>;
  edit: (id: string, messageId: string, text: string) => Promise<void>;
  regenerate: (id: string, answerId: string) => Promise<void>;
  answerApproval: (id: string, requestId: string, approve: boolean) => Promise<void>;
  /** Sends a turn that could not start again. */
  retry: (id: string) => Promise<void>;
  stop: (id: string) => Promise<void>;
  /** Shows another version of a message: it becomes the conversation's current message. */
  switchVersion: (id: string, messageId: string) => Promise<void>;
  setChoice: (id: string | null, choice: Partial<ModelChoice>) => void;
  choiceOf: (id: string | null) => ModelChoice | null;
  /** The conversation was renamed or got its title elsewhere. */
  setTitle: (id: string, title: string) => void;
  forget: (id: string) => void;
}

export type ConversationStore = ConversationStoreState & ConversationStoreActions;

export interface ConversationEvents {
  /** A conversation was created, changed or got a title: the sidebar shows it first. */
  onChanged?: (conversation: Conversation | { id: string; title?: string }) => void;
}

export interface ConversationStoreDeps extends ConversationEvents {
  api: Api;
  getToolsState: () => ToolsState;
  /** Frames are applied in batches, once per animation frame, to spare the renderer. */
  schedule?: (flush: () => void) => void;
  /** Waits before a reconnect; tests make it immediate. */
  sleep?: (ms: number) => Promise<void>;
  /** Where choices are kept between visits. */
  storage?: Pick<Storage, "getItem" | "setItem"> | null;
}

const CHOICES_KEY = "responses-chat:model-choices";
const NEW = "new";
/** Reconnects of one stream before giving up and reading the stored answer instead. */
const MAX_RECONNECTS = 8;

export function isBusy(open: OpenConversation | undefined): boolean {
  const pending = open?.pending;
  if (!pending || pending.startError !== null) return false;
  return !pending.live || !pending.live.ended;
}

function words(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  return "The connection to the server was lost before the answer was complete.";
}

function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === "AbortError";
}

function loadChoices(storage: ConversationStoreDeps["storage"]): Record<string, ModelChoice> {
  try {
    const raw = storage?.getItem(CHOICES_KEY);
    const parsed: unknown = raw ? JSON.parse(raw) : null;
    return parsed && typeof parsed === "object" ? (parsed as Record<string, ModelChoice>) : {};
  } catch {
    return {};
  }
}

export function createConversationStore(deps: ConversationStoreDeps): UseBoundStore<StoreApi<ConversationStore>> {
  const schedule =
    deps.schedule ??
    ((flush: () => void) => {
      if (typeof requestAnimationFrame === "function") requestAnimationFrame(flush);
      else setTimeout(flush, 0);
    });
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const storage =
    deps.storage !== undefined ? deps.storage : typeof localStorage === "undefined" ? null : localStorage;

  return create<ConversationStore>()((set, get) => {
    /** One stream reader per conversation; a new turn or a reload replaces it. */
    const readers = new Map<string, AbortController>();
    /** Stop was pressed before the turn's id was known. */
    const stopWanted = new Set<string>();
    let queue: Array<{ id: string; frame: NumberedEvent }> = [];
    let flushScheduled = false;

    const update = (id: string, change: (open: OpenConversation) => OpenConversation) =>
      set((s) => {
        const current = s.open[id] ?? { id, conversation: null, loadError: null, pending: null, failedRequest: null };
        return { open: { ...s.open, [id]: change(current) } };
      });

    const updateLive = (id: string, change: (live: LiveTurn) => LiveTurn) =>
      update(id, (open) =>
        open.pending?.live ? { ...open, pending: { ...open.pending, live: change(open.pending.live) } } : open,
      );

    const flush = () => {
      flushScheduled = false;
      if (!queue.length) return;
      const frames = queue;
      queue = [];
      const ids = new Set(frames.map((f) => f.id));
      for (const id of ids) {
        updateLive(id, (live) => frames.filter((f) => f.id === id).reduce((t, f) => applyFrame(t, f.frame), live));
      }
    };

    const enqueue = (id: string, frame: NumberedEvent) => {
      queue.push({ id, frame });
      if (!flushScheduled) {
        flushScheduled = true;
        schedule(flush);
      }
    };

    const saveChoices = (choices: Record<string, ModelChoice>) => {
      try {
        storage?.setItem(CHOICES_KEY, JSON.stringify(choices));
      } catch {
        // Storage full or blocked: the choice lasts for this visit.
      }
    };

    const liveOf = (id: string) => get().open[id]?.pending?.live ?? null;

    async function refresh(id: string): Promise<Conversation | null> {
      try {
        const conversation = await deps.api.getConversation(id);
        update(id, (open) => ({ ...open, conversation, loadError: null }));
        return conversation;
      } catch (error) {
        update(id, (open) => ({ ...open, loadError: words(error) }));
        return null;
      }
    }

    /** The turn ended (or can no longer be followed): the stored conversation takes its place. */
    async function settle(id: string, own: AbortController) {
      const live = liveOf(id);
      if (live?.turnId && live.error) {
        const turnId = live.turnId;
        const error = live.error;
        set((s) => ({ errors: { ...s.errors, [turnId]: error } }));
      }
      const conversation = await refresh(id);
      if (readers.get(id) !== own) return;
      readers.delete(id);
      if (conversation) {
        update(id, (open) => ({ ...open, pending: null }));
        const title = live?.title;
        deps.onChanged?.(title ? { ...conversation, title } : conversation);
      } else {
        // Could not read it back: keep what streamed, ended.
        updateLive(id, (t) => (t.ended ? t : { ...t, ended: true, status: "incomplete" }));
      }
    }

    /** Reads frames until `turn.ended`, reconnecting with Last-Event-ID when the stream breaks. */
    async function follow(id: string, own: AbortController, first: AsyncGenerator<NumberedEvent> | null) {
      let stream = first;
      let failures = 0;
      for (;;) {
        if (own.signal.aborted) return;
        try {
          if (!stream) {
            const live = liveOf(id);
            if (!live?.turnId) return;
            stream = deps.api.turnEvents(id, live.turnId, live.lastEventId, own.signal);
          }
          for await (const frame of stream) {
            if (own.signal.aborted) return;
            enqueue(id, frame);
            if (frame.event.type === "turn.started") {
              flush();
              const turnId = liveOf(id)?.turnId;
              if (turnId && stopWanted.delete(id)) void deps.api.cancelTurn(id, turnId).catch(() => undefined);
            }
            if (frame.event.type === "turn.ended") break;
          }
          flush();
          if (own.signal.aborted) return;
          if (liveOf(id)?.ended) return settle(id, own);
        } catch (error) {
          flush();
          if (own.signal.aborted || isAbort(error)) return;
          if (error instanceof ApiError && error.status === 410) return settle(id, own);
          if (!liveOf(id)?.turnId) throw error; // the turn never started: the caller says so
          if (error instanceof ApiError && error.status !== 0 && error.status < 500) return settle(id, own);
        }
        stream = null;
        failures += 1;
        if (failures > MAX_RECONNECTS) return settle(id, own);
        await sleep(Math.min(4000, 250 * 2 ** (failures - 1)));
      }
    }

    /** Starts a turn and follows it; a refusal before streaming is shown with Retry. */
    async function startTurn(id: string, pending: PendingTurn, request: TurnRequest) {
      readers.get(id)?.abort();
      const own = new AbortController();
      readers.set(id, own);
      update(id, (open) => ({ ...open, pending: { ...pending, live: newLiveTurn(id) }, failedRequest: null }));
      const tools = deps.getToolsState();
      const choice = get().choiceOf(id);
      const body: TurnRequest = { ...request, toolsState: tools, ...turnModelFields(get().models, choice) };
      try {
        await follow(id, own, deps.api.startTurn(id, body, own.signal));
      } catch (error) {
        if (own.signal.aborted || isAbort(error)) return;
        flush();
        readers.delete(id);
        stopWanted.delete(id);
        update(id, (open) => ({
          ...open,
          pending: open.pending ? { ...open.pending, live: null, startError: words(error) } : null,
          failedRequest: request,
        }));
      }
    }

    const pathOf = (id: string): StoredMessage[] => get().open[id]?.conversation?.messages ?? [];

    return {
      open: {},
      errors: {},
      models: null,
      modelsError: null,
      choices: loadChoices(storage),

      async loadModels() {
        try {
          const models = await deps.api.models();
          set({ models, modelsError: null });
        } catch (error) {
          set({ modelsError: words(error) });
        }
      },

      async openConversation(id) {
        const conversation = await refresh(id);
        if (!conversation) return;
        if (readers.has(id)) return; // this tab already follows its turn
        const last = conversation.messages.at(-1);
        if (last?.role !== "assistant" || last.status !== "streaming") {
          // A turn that could not start stays shown with its Retry; anything else is stored now.
          update(id, (open) => (open.pending?.startError != null ? open : { ...open, pending: null }));
          return;
        }
        // Its answer is still being written (another tab, or before a reload): follow it.
        const own = new AbortController();
        readers.set(id, own);
        update(id, (open) => ({
          ...open,
          pending: {
            parentId: last.parent_id,
            userText: null,
            regenerateOf: null,
            live: { ...newLiveTurn(id, last.id), userMessageId: last.parent_id },
            startError: null,
          },
        }));
        await follow(id, own, null).catch(() => settle(id, own));
      },

      async send(id, text) {
        const trimmed = text.trim();
        if (!trimmed) return null;
        let target = id;
        if (target === null) {
          let conversation: Conversation;
          try {
            conversation = await deps.api.createConversation();
          } catch (error) {
            throw new ApiError(error instanceof ApiError ? error.status : 0, words(error));
          }
          target = conversation.id;
          update(target, (open) => ({ ...open, conversation }));
          const draft = get().choices[NEW];
          if (draft) get().setChoice(target, draft);
          deps.onChanged?.({ ...conversation, title: trimmed.slice(0, 80) });
        }
        if (isBusy(get().open[target])) return target;
        const path = pathOf(target);
        const parent = path.at(-1)?.id ?? null;
        const request: TurnRequest = parent ? { text: trimmed, parent_id: parent } : { text: trimmed };
        void startTurn(
          target,
          { parentId: parent, userText: trimmed, regenerateOf: null, live: null, startError: null },
          request,
        );
        return target;
      },

      async edit(id, messageId, text) {
        const trimmed = text.trim();
        const message = pathOf(id).find((m) => m.id === messageId);
        if (!trimmed || !message || isBusy(get().open[id])) return;
        await startTurn(
          id,
          { parentId: message.parent_id, userText: trimmed, regenerateOf: null, live: null, startError: null },
          { text: trimmed, parent_id: message.parent_id },
        );
      },

      async regenerate(id, answerId) {
        const answer = pathOf(id).find((m) => m.id === answerId);
        if (!answer || isBusy(get().open[id])) return;
        await startTurn(
          id,
          { parentId: answer.parent_id, userText: null, regenerateOf: answerId, live: null, startError: null },
          { regenerate: answerId },
        );
      },

      async answerApproval(id, requestId, approve) {
        const path = pathOf(id);
        if (isBusy(get().open[id]) || !path.length) return;
        const parent = path.at(-1)?.id ?? null;
        await startTurn(
          id,
          { parentId: parent, userText: null, regenerateOf: null, live: null, startError: null },
          {
            input: [{ type: "mcp_approval_response", approval_request_id: requestId, approve }],
            parent_id: parent,
          },
        );
      },

      async retry(id) {
        const open = get().open[id];
        const request = open?.failedRequest;
        if (!open?.pending || !request || isBusy(open)) return;
        const pending = { ...open.pending, startError: null, live: null };
        await startTurn(id, pending, request);
      },

      async stop(id) {
        const live = liveOf(id);
        if (!isBusy(get().open[id])) return;
        if (!live?.turnId) {
          stopWanted.add(id);
          return;
        }
        try {
          await deps.api.cancelTurn(id, live.turnId);
        } catch {
          // The stream still ends the turn; nothing more to do.
        }
      },

      async switchVersion(id, messageId) {
        if (isBusy(get().open[id])) return;
        try {
          const conversation = await deps.api.updateConversation(id, { current_message_id: messageId });
          update(id, (open) => ({ ...open, conversation, pending: null }));
        } catch (error) {
          update(id, (open) => ({ ...open, loadError: words(error) }));
        }
      },

      setChoice(id, choice) {
        const key = id ?? NEW;
        const models = get().models;
        const current = get().choiceOf(id);
        const merged = { ...current, ...choice };
        const next = models ? fitChoice(models, merged) : { model: merged.model ?? "", effort: merged.effort ?? null };
        const choices = { ...get().choices, [key]: next };
        set({ choices });
        saveChoices(choices);
      },

      choiceOf(id) {
        const models = get().models;
        if (!models) return null;
        const remembered = get().choices[id ?? NEW];
        return choiceFor(models, remembered, id ? pathOf(id) : []);
      },

      setTitle(id, title) {
        update(id, (open) => (open.conversation ? { ...open, conversation: { ...open.conversation, title } } : open));
      },

      forget(id) {
        readers.get(id)?.abort();
        readers.delete(id);
        set((s) => {
          const open = { ...s.open };
          delete open[id];
          return { open };
        });
      },
    };
  });
}

export const useConversationStore = createConversationStore({
  api: defaultApi,
  getToolsState: () =>
    toToolsState(useToolsStore.getState(), { googleConnected: useGoogleStore.getState().connected === true }),
  onChanged: (conversation) => useSidebarStore.getState().touch(conversation),
});
