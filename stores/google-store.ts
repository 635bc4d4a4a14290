"use client";

import { create } from "zustand";

import { api } from "@/lib/api";

interface GoogleStore {
  /** null until the first status check answered. */
  connected: boolean | null;
  oauthConfigured: boolean | null;
  error: string | null;
  busy: boolean;
  refresh: () => Promise<void>;
  disconnect: () => Promise<void>;
}

export const useGoogleStore = create<GoogleStore>()((set) => ({
  connected: null,
  oauthConfigured: null,
  error: null,
  busy: false,
  refresh: async () => {
    try {
      const status = await api.googleStatus();
      set({ connected: !!status.connected, oauthConfigured: !!status.oauthConfigured, error: null });
    } catch (error) {
      set({ error: error instanceof Error ? error.message : String(error) });
    }
  },
  disconnect: async () => {
    set({ busy: true });
    try {
      await api.googleDisconnect();
      set({ connected: false, error: null });
    } catch (error) {
      set({ error: error instanceof Error ? error.message : String(error) });
    } finally {
      set({ busy: false });
    }
  },
}));
