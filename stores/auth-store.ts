"use client";

import { create, type StoreApi, type UseBoundStore } from "zustand";

import { api as defaultApi, ApiError, type Api } from "@/lib/api";
import type { AuthStatus } from "@/lib/sign-in";

export interface AuthStore {
  /** null until GET /api/auth/me has answered (or failed: a backend without sign-in). */
  status: AuthStatus | null;
  checked: boolean;
  /** Why the last sign-in came back refused, in words; or why signing out failed. */
  error: string | null;
  signingOut: boolean;
  check: () => Promise<void>;
  setError: (error: string | null) => void;
  signOut: () => Promise<boolean>;
}

type AuthApi = Pick<Api, "authMe" | "signOut" | "onUnauthorized">;

export function createAuthStore(api: AuthApi): UseBoundStore<StoreApi<AuthStore>> {
  const store = create<AuthStore>()((set) => ({
    status: null,
    checked: false,
    error: null,
    signingOut: false,
    async check() {
      try {
        set({ status: await api.authMe(), checked: true });
      } catch {
        // An older backend, or one that cannot answer: the chat shows and explains itself.
        set({ status: null, checked: true });
      }
    },
    setError: (error) => set({ error }),
    async signOut() {
      set({ signingOut: true, error: null });
      try {
        await api.signOut();
        return true;
      } catch (error) {
        set({ error: error instanceof ApiError ? error.message : "You could not be signed out; try again." });
        return false;
      } finally {
        set({ signingOut: false });
      }
    },
  }));
  // A 401 may mean the sign-in ended (AUTH_REQUIRED): ask again, and the sign-in page comes back.
  api.onUnauthorized(() => void store.getState().check());
  return store;
}

export const useAuthStore = createAuthStore(defaultApi);
