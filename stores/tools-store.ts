"use client";

import { create } from "zustand";
import { createJSONStorage, persist } from "zustand/middleware";

import { defaultToolsState, type McpConfig, type ToolsState, type VectorStoreRef } from "@/lib/tools-state";

export const TOOLS_STORAGE_KEY = "responses-chat:tools";

type SwitchName =
  | "webSearchEnabled"
  | "fileSearchEnabled"
  | "functionsEnabled"
  | "codeInterpreterEnabled"
  | "mcpEnabled"
  | "googleIntegrationEnabled";

interface ToolsActions {
  setSwitch: (name: SwitchName, on: boolean) => void;
  setLocation: (field: "country" | "region" | "city", value: string) => void;
  setMcpConfig: (patch: Partial<McpConfig>) => void;
  setVectorStore: (store: VectorStoreRef | null) => void;
}

export type ToolsStore = ToolsState & ToolsActions;

export const useToolsStore = create<ToolsStore>()(
  persist(
    (set) => ({
      ...defaultToolsState(),
      setSwitch: (name, on) => set({ [name]: on } as Pick<ToolsState, SwitchName>),
      setLocation: (field, value) =>
        set((s) => ({
          webSearchConfig: { user_location: { ...s.webSearchConfig.user_location, [field]: value } },
        })),
      setMcpConfig: (patch) => set((s) => ({ mcpConfig: { ...s.mcpConfig, ...patch } })),
      setVectorStore: (vectorStore) => set({ vectorStore }),
    }),
    {
      name: TOOLS_STORAGE_KEY,
      version: 1,
      storage: createJSONStorage(() => localStorage),
      // Rehydrated after mount, so the server's HTML and the first client render agree.
      skipHydration: true,
      partialize: (s): ToolsState => ({
        webSearchEnabled: s.webSearchEnabled,
        fileSearchEnabled: s.fileSearchEnabled,
        functionsEnabled: s.functionsEnabled,
        codeInterpreterEnabled: s.codeInterpreterEnabled,
        vectorStore: s.vectorStore,
        webSearchConfig: s.webSearchConfig,
        mcpEnabled: s.mcpEnabled,
        mcpConfig: s.mcpConfig,
        googleIntegrationEnabled: s.googleIntegrationEnabled,
      }),
    },
  ),
);
