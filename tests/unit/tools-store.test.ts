import { beforeEach, describe, expect, it } from "vitest";

class MemoryStorage {
  private data = new Map<string, string>();
  getItem(key: string) {
    return this.data.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    this.data.set(key, value);
  }
  removeItem(key: string) {
    this.data.delete(key);
  }
}

const storage = new MemoryStorage();
(globalThis as unknown as { localStorage: MemoryStorage }).localStorage = storage;

const { useToolsStore, TOOLS_STORAGE_KEY } = await import("@/stores/tools-store");
const { defaultToolsState } = await import("@/lib/tools-state");

describe("tools store", () => {
  beforeEach(() => {
    storage.removeItem(TOOLS_STORAGE_KEY);
    useToolsStore.setState(defaultToolsState());
  });

  it("saves the settings in local storage, without its functions", () => {
    const s = useToolsStore.getState();
    s.setSwitch("webSearchEnabled", true);
    s.setLocation("city", "Lyon");
    s.setMcpConfig({ server_label: "wiki" });
    const saved = JSON.parse(storage.getItem(TOOLS_STORAGE_KEY) ?? "{}");
    expect(saved.state.webSearchEnabled).toBe(true);
    expect(saved.state.webSearchConfig.user_location.city).toBe("Lyon");
    expect(saved.state.mcpConfig.server_label).toBe("wiki");
    expect(Object.values(saved.state).some((v) => typeof v === "function")).toBe(false);
  });

  it("restores them on rehydration (a reload)", async () => {
    useToolsStore.getState().setSwitch("codeInterpreterEnabled", true);
    useToolsStore.getState().setVectorStore({ id: "vs_9", name: "Notes" });
    useToolsStore.setState(defaultToolsState());
    expect(useToolsStore.getState().codeInterpreterEnabled).toBe(false);
    storage.setItem(
      TOOLS_STORAGE_KEY,
      JSON.stringify({ state: { ...defaultToolsState(), codeInterpreterEnabled: true, vectorStore: { id: "vs_9", name: "Notes" } }, version: 1 }),
    );
    await useToolsStore.persist.rehydrate();
    expect(useToolsStore.getState().codeInterpreterEnabled).toBe(true);
    expect(useToolsStore.getState().vectorStore).toEqual({ id: "vs_9", name: "Notes" });
  });
});
