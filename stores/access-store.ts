"use client";

import { create, type StoreApi, type UseBoundStore } from "zustand";

import { api as defaultApi, ApiError, type Api } from "@/lib/api";

/**
 * - `checking`: asking GET /api/access, before anything is shown;
 * - `open`: no token needed, or this browser has it: the chat;
 * - `signed-out`: the sign-in form instead of the chat.
 */
export type AccessPhase = "checking" | "open" | "signed-out";

export interface AccessStore {
  phase: AccessPhase;
  /** The form is back because access ended while the chat was open. */
  lost: boolean;
  /** Why the last sign-in failed, in words. */
  error: string | null;
  busy: boolean;
  check: () => Promise<void>;
  signIn: (token: string) => Promise<void>;
}

type AccessApi = Pick<Api, "accessStatus" | "signIn" | "onUnauthorized">;

export function createAccessStore(api: AccessApi): UseBoundStore<StoreApi<AccessStore>> {
  const store = create<AccessStore>()((set, get) => {
    let checking: Promise<void> | null = null;

    async function askServer(): Promise<void> {
      try {
        const status = await api.accessStatus();
        if (status.required && !status.granted) {
          set({ phase: "signed-out", lost: get().phase === "open" || get().lost, error: null });
        } else {
          set({ phase: "open", lost: false });
        }
      } catch {
        // Unreachable, or a backend without access control: show the chat, which explains its own
        // errors; a later 401 asks again.
        if (get().phase === "checking") set({ phase: "open" });
      }
    }

    return {
      phase: "checking",
      lost: false,
      error: null,
      busy: false,

      check: () => {
        // Several calls refused at once ask only once.
        checking ??= askServer().finally(() => {
          checking = null;
        });
        return checking;
      },

      signIn: async (token) => {
        if (get().busy) return;
        const trimmed = token.trim();
        if (!trimmed) {
          set({ error: "Enter the access token." });
          return;
        }
        // Cleared first, so the same error said twice is announced twice.
        set({ busy: true, error: null });
        try {
          await api.signIn(trimmed);
          set({ phase: "open", lost: false, error: null });
        } catch (error) {
          set({
            error:
              error instanceof ApiError ? error.message : "Signing in failed. Check your connection and try again.",
          });
        } finally {
          set({ busy: false });
        }
      },
    };
  });

  // A call refused later (cookie expired, token changed): ask whether access is really gone; a
  // 401 for another reason leaves the chat alone.
  api.onUnauthorized(() => {
    if (store.getState().phase === "open") void store.getState().check();
  });

  return store;
}

export const useAccessStore = createAccessStore(defaultApi);
