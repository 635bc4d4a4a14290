import type { JsonObject } from "../json";

/** An item of the conversation as the Responses API takes it as `input`. */
export type ApiItem = JsonObject;

export type Annotation =
  | { type: "url_citation"; url: string; title?: string; start_index?: number; end_index?: number }
  | { type: "file_citation"; file_id: string; filename?: string; index?: number }
  | {
      type: "container_file_citation";
      file_id: string;
      container_id?: string;
      filename?: string;
      start_index?: number;
      end_index?: number;
    };

export interface ContainerFile {
  fileId: string;
  containerId?: string;
  filename?: string;
}

export interface McpTool {
  name: string;
  description?: string;
}

interface Base {
  /** The output item id for model items; made up for the client's own items. */
  id: string;
  turnId: string;
}

export type ChatItem =
  | (Base & { kind: "user"; text: string })
  | (Base & { kind: "assistant"; text: string; annotations: Annotation[]; done: boolean })
  | (Base & {
      kind: "function_call";
      callId: string;
      name: string;
      arguments: string;
      /** streaming: arguments arriving; ready: waiting to run; running; done; skipped: turn stopped. */
      status: "streaming" | "ready" | "running" | "done" | "skipped";
      output?: string;
    })
  | (Base & { kind: "web_search"; status: "searching" | "done"; queries: string[] })
  | (Base & { kind: "file_search"; status: "searching" | "done"; queries: string[] })
  | (Base & {
      kind: "code_interpreter";
      status: "writing" | "running" | "done";
      code: string;
      containerId?: string;
      logs: string[];
      files: ContainerFile[];
    })
  | (Base & { kind: "mcp_list_tools"; serverLabel: string; tools: McpTool[]; error?: string })
  | (Base & {
      kind: "mcp_call";
      serverLabel: string;
      name: string;
      arguments: string;
      status: "running" | "done" | "failed";
      output?: string;
      error?: string;
    })
  | (Base & {
      kind: "mcp_approval_request";
      serverLabel: string;
      name: string;
      arguments: string;
      decision: "approved" | "declined" | null;
    })
  /** The model's reasoning summary: shown while it thinks, then folded away. */
  | (Base & { kind: "reasoning"; summary: string; done: boolean })
  | (Base & { kind: "error"; message: string })
  | (Base & { kind: "notice"; text: string });


export type TurnOutcome = "running" | "completed" | "failed" | "aborted";

export interface TurnState {
  id: string;
  /** The conversation this turn was sent with; Retry sends it again. */
  request: ApiItem[];
  /** Output items the stream reported as done, in order. */
  output: ApiItem[];
  outcome: TurnOutcome;
  /** Set once anything visible arrived; the loading indicator goes then. */
  started: boolean;
}

export interface ChatState {
  items: ChatItem[];
  /** What the next turn sends as `messages`. */
  conversation: ApiItem[];
  turn: TurnState | null;
}
