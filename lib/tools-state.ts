/** The `toolsState` object of POST /api/turn_response (docs/api.md, "toolsState -> tools"). */
export interface VectorStoreRef {
  id: string;
  name: string;
  files?: { id: string; name: string }[];
}

export interface WebSearchConfig {
  user_location: {
    type: "approximate";
    country: string;
    city: string;
    region: string;
  };
}

export interface McpConfig {
  server_label: string;
  server_url: string;
  allowed_tools: string;
  skip_approval: boolean;
}

export interface ToolsState {
  webSearchEnabled: boolean;
  fileSearchEnabled: boolean;
  functionsEnabled: boolean;
  codeInterpreterEnabled: boolean;
  vectorStore: VectorStoreRef | null;
  webSearchConfig: WebSearchConfig;
  mcpEnabled: boolean;
  mcpConfig: McpConfig;
  googleIntegrationEnabled: boolean;
}

export function defaultToolsState(): ToolsState {
  return {
    webSearchEnabled: false,
    fileSearchEnabled: false,
    functionsEnabled: false,
    codeInterpreterEnabled: false,
    vectorStore: null,
    webSearchConfig: {
      user_location: { type: "approximate", country: "", city: "", region: "" },
    },
    mcpEnabled: false,
    mcpConfig: { server_label: "", server_url: "", allowed_tools: "", skip_approval: false },
    googleIntegrationEnabled: false,
  };
}

/** MCP servers must be reached over https; anything else is refused in the panel. */
export function isValidMcpUrl(value: string): boolean {
  try {
    const url = new URL(value.trim());
    return url.protocol === "https:" && !!url.hostname;
  } catch {
    return false;
  }
}

export interface ToolsContext {
  /** From /api/google/status: the Google switch only counts once connected. */
  googleConnected: boolean;
}

/**
 * What a turn sends as `toolsState`: the panel's settings, with switches that
 * cannot work yet turned off (file search without a vector store, MCP without
 * a valid server, Google without a connection) and text fields trimmed.
 */
export function toToolsState(panel: ToolsState, context: ToolsContext): ToolsState {
  const location = panel.webSearchConfig.user_location;
  const mcp = panel.mcpConfig;
  const mcpReady = !!mcp.server_label.trim() && isValidMcpUrl(mcp.server_url);
  return {
    webSearchEnabled: panel.webSearchEnabled,
    fileSearchEnabled: panel.fileSearchEnabled && !!panel.vectorStore?.id,
    functionsEnabled: panel.functionsEnabled,
    codeInterpreterEnabled: panel.codeInterpreterEnabled,
    vectorStore: panel.vectorStore,
    webSearchConfig: {
      user_location: {
        type: "approximate",
        country: location.country.trim(),
        city: location.city.trim(),
        region: location.region.trim(),
      },
    },
    mcpEnabled: panel.mcpEnabled && mcpReady,
    mcpConfig: {
      server_label: mcp.server_label.trim(),
      server_url: mcp.server_url.trim(),
      allowed_tools: mcp.allowed_tools
        .split(",")
        .map((t) => t.trim())
        .filter(Boolean)
        .join(", "),
      skip_approval: mcp.skip_approval,
    },
    googleIntegrationEnabled: panel.googleIntegrationEnabled && context.googleConnected,
  };
}
