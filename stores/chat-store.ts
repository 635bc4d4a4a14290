"use client";

import { create, type StoreApi, type UseBoundStore } from "zustand";

import { api as defaultApi, ApiError, type Api } from "@/lib/api";
import { chatReducer, initialChatState, pendingFunctionCalls, type ChatAction } from "@/lib/chat/reducer";
import type { ChatState } from "@/lib/chat/types";
import { isObject } from "@/lib/json";
import { toToolsState, type ToolsState } from "@/lib/tools-state";

import { useGoogleStore } from "./google-store";
import { useToolsStore } from "./tools-store";

const SAVED_CHAT_KEY = "responses-chat:saved-chat";

/** A model that keeps calling functions must not loop forever. */
const MAX_FUNCTION_ROUNDS = 8;

export interface ChatStore {
  chat: ChatState;
  /** A turn, or the function calls between turns, is running. */
  busy: boolean;
  send: (text: string) => void;
  stop: () => void;
  retry: () => void;
  newChat: () => void;
  answerApproval: (requestId: string, approve: boolean) => void;
  /** Keeps the conversation across a full-page trip (the Google sign-in). */
  saveForNavigation: () => void;
  restoreAfterNavigation: () => void;
}

export interface ChatStoreDeps {
  api: Api;
  getToolsState: () => ToolsState;
  /** Stream events are applied in batches, once per frame, to spare the renderer. */
  schedule?: (flush: () => void) => void;
}

function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === "AbortError";
}

function parseArguments(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text || "{}");
    return isObject(value) ? value : {};
  } catch {
    return {};
  }
}

export function createChatStore(deps: ChatStoreDeps): UseBoundStore<StoreApi<ChatStore>> {
  const schedule =
    deps.schedule ??
    ((flush: () => void) => {
      if (typeof requestAnimationFrame === "function") requestAnimationFrame(flush);
      else setTimeout(flush, 0);
    });

  return create<ChatStore>()((set, get) => {
    let controller: AbortController | null = null;
    let counter = 0;
    let queue: ChatAction[] = [];
    let flushScheduled = false;

    const nextTurnId = () => `turn-${Date.now().toString(36)}-${++counter}`;

    const flush = () => {
      flushScheduled = false;
      if (!queue.length) return;
      const actions = queue;
      queue = [];
      set((s) => ({ chat: actions.reduce(chatReducer, s.chat) }));
    };

    /** Applies an action now (after anything queued). */
    const dispatch = (action: ChatAction) => {
      queue.push(action);
      flush();
    };

    const enqueue = (action: ChatAction) => {
      queue.push(action);
      if (!flushScheduled) {
        flushScheduled = true;
        schedule(flush);
      }
    };

    async function streamTurn(signal: AbortSignal): Promise<void> {
      dispatch({ type: "turn_started", turnId: nextTurnId() });
      const request = get().chat.turn?.request ?? [];
      try {
        for await (const event of deps.api.turnResponse(
          { messages: request, toolsState: deps.getToolsState() },
          signal,
        )) {
          if (signal.aborted) return;
          enqueue({ type: "stream_event", event });
        }
        if (!signal.aborted) dispatch({ type: "stream_closed" });
      } catch (error) {
        if (signal.aborted || isAbort(error)) return;
        flush();
        const message =
          error instanceof ApiError
            ? error.message
            : "The connection to the server was lost before the answer was complete.";
        dispatch({ type: "turn_failed", message });
      }
    }

    async function runFunctions(signal: AbortSignal): Promise<boolean> {
      const calls = pendingFunctionCalls(get().chat);
      if (!calls.length) return false;
      for (const call of calls) {
        if (signal.aborted) return false;
        dispatch({ type: "function_running", callId: call.callId });
        let output: string;
        try {
          const result = await deps.api.callFunction(call.name, parseArguments(call.arguments), signal);
          output = JSON.stringify(result);
        } catch (error) {
          if (signal.aborted || isAbort(error)) return false;
          // The model hears about the failure and can tell the person in words.
          output = JSON.stringify({ error: error instanceof Error ? error.message : String(error) });
        }
        if (signal.aborted) return false;
        dispatch({ type: "function_output", callId: call.callId, output });
      }
      return true;
    }

    /** Runs turns until the model stops asking for function results. */
    async function run(): Promise<void> {
      controller?.abort();
      const own = new AbortController();
      controller = own;
      set({ busy: true });
      try {
        for (let round = 0; round <= MAX_FUNCTION_ROUNDS; round++) {
          await streamTurn(own.signal);
          if (own.signal.aborted || get().chat.turn?.outcome !== "completed") return;
          const more = await runFunctions(own.signal);
          if (!more || own.signal.aborted) return;
        }
      } finally {
        if (controller === own) {
          controller = null;
          flush();
          set({ busy: false });
        }
      }
    }

    return {
      chat: initialChatState,
      busy: false,

      send: (text) => {
        const trimmed = text.trim();
        if (!trimmed || get().busy) return;
        dispatch({ type: "user_message", turnId: nextTurnId(), text: trimmed });
        void run();
      },

      stop: () => {
        if (!controller) return;
        controller.abort();
        controller = null;
        flush();
        dispatch({ type: "turn_aborted" });
        set({ busy: false });
      },

      retry: () => {
        if (get().busy || get().chat.turn?.outcome !== "failed") return;
        dispatch({ type: "retry_prepared" });
        void run();
      },

      newChat: () => {
        controller?.abort();
        controller = null;
        queue = [];
        dispatch({ type: "new_chat" });
        set({ busy: false });
      },

      saveForNavigation: () => {
        const { chat } = get();
        if (!chat.items.length) return;
        try {
          sessionStorage.setItem(SAVED_CHAT_KEY, JSON.stringify({ items: chat.items, conversation: chat.conversation }));
        } catch {
          // Storage full or blocked: the trip simply starts a new chat.
        }
      },

      restoreAfterNavigation: () => {
        let saved: string | null = null;
        try {
          saved = sessionStorage.getItem(SAVED_CHAT_KEY);
          sessionStorage.removeItem(SAVED_CHAT_KEY);
        } catch {
          return;
        }
        if (!saved) return;
        try {
          const parsed = JSON.parse(saved) as Pick<ChatState, "items" | "conversation">;
          if (Array.isArray(parsed.items) && Array.isArray(parsed.conversation)) {
            dispatch({ type: "restored", items: parsed.items, conversation: parsed.conversation });
          }
        } catch {
          // A damaged copy is dropped.
        }
      },

      answerApproval: (requestId, approve) => {
        if (get().busy) return;
        dispatch({ type: "approval", requestId, approve });
        void run();
      },
    };
  });
}

export const useChatStore = createChatStore({
  api: defaultApi,
  getToolsState: () =>
    toToolsState(useToolsStore.getState(), { googleConnected: useGoogleStore.getState().connected === true }),
});
