import { describe, expect, it } from "vitest";

import { defaultToolsState, isValidMcpUrl, toToolsState, type ToolsState } from "@/lib/tools-state";

const panel = (patch: Partial<ToolsState> = {}): ToolsState => ({ ...defaultToolsState(), ...patch });
const connected = { googleConnected: true };
const notConnected = { googleConnected: false };

describe("toToolsState", () => {
  it("sends every switch off by default, with the contract's field names", () => {
    expect(toToolsState(panel(), notConnected)).toEqual({
      webSearchEnabled: false,
      fileSearchEnabled: false,
      functionsEnabled: false,
      codeInterpreterEnabled: false,
      vectorStore: null,
      webSearchConfig: { user_location: { type: "approximate", country: "", city: "", region: "" } },
      mcpEnabled: false,
      mcpConfig: { server_label: "", server_url: "", allowed_tools: "", skip_approval: false },
      googleIntegrationEnabled: false,
    });
  });

  it("passes simple switches through", () => {
    const state = toToolsState(
      panel({ webSearchEnabled: true, codeInterpreterEnabled: true, functionsEnabled: true }),
      notConnected,
    );
    expect(state).toMatchObject({ webSearchEnabled: true, codeInterpreterEnabled: true, functionsEnabled: true });
  });

  it("trims the location so blank fields count as empty", () => {
    const state = toToolsState(
      panel({
        webSearchEnabled: true,
        webSearchConfig: { user_location: { type: "approximate", country: "DE", city: "  Berlin ", region: "   " } },
      }),
      notConnected,
    );
    expect(state.webSearchConfig.user_location).toEqual({ type: "approximate", country: "DE", city: "Berlin", region: "" });
  });

  it("keeps file search off until a vector store is linked", () => {
    expect(toToolsState(panel({ fileSearchEnabled: true }), notConnected).fileSearchEnabled).toBe(false);
    const store = { id: "vs_1", name: "Docs" };
    expect(toToolsState(panel({ fileSearchEnabled: true, vectorStore: store }), notConnected)).toMatchObject({
      fileSearchEnabled: true,
      vectorStore: store,
    });
  });

  it("sends MCP only with a label and an https URL, and tidies the allowed tools", () => {
    const mcpConfig = { server_label: " wiki ", server_url: "https://mcp.example.com/sse", allowed_tools: " a, ,b ,", skip_approval: true };
    expect(toToolsState(panel({ mcpEnabled: true, mcpConfig }), notConnected)).toMatchObject({
      mcpEnabled: true,
      mcpConfig: { server_label: "wiki", server_url: "https://mcp.example.com/sse", allowed_tools: "a, b", skip_approval: true },
    });
    expect(
      toToolsState(panel({ mcpEnabled: true, mcpConfig: { ...mcpConfig, server_url: "http://mcp.example.com" } }), notConnected)
        .mcpEnabled,
    ).toBe(false);
    expect(
      toToolsState(panel({ mcpEnabled: true, mcpConfig: { ...mcpConfig, server_label: "" } }), notConnected).mcpEnabled,
    ).toBe(false);
  });

  it("turns Google on only while connected", () => {
    expect(toToolsState(panel({ googleIntegrationEnabled: true }), notConnected).googleIntegrationEnabled).toBe(false);
    expect(toToolsState(panel({ googleIntegrationEnabled: true }), connected).googleIntegrationEnabled).toBe(true);
    expect(toToolsState(panel({ googleIntegrationEnabled: false }), connected).googleIntegrationEnabled).toBe(false);
  });
});

describe("isValidMcpUrl", () => {
  it("accepts https URLs only", () => {
    expect(isValidMcpUrl("https://mcp.deepwiki.com/mcp")).toBe(true);
    expect(isValidMcpUrl("http://mcp.deepwiki.com/mcp")).toBe(false);
    expect(isValidMcpUrl("mcp.deepwiki.com")).toBe(false);
    expect(isValidMcpUrl("")).toBe(false);
  });
});
