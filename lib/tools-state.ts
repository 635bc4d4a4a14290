/** The `toolsState` object of POST /api/turn_response (CONTRACT.md, "toolsState -> tools"). */
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
