/**
 * Wire items in, display items out: how one Responses API output item (a
 * message, a tool call, a search...) is shown, merged with what its stream
 * already showed. Pure; the reducer decides when each applies.
 */
import { getArray, getNumber, getObject, getString, isObject, type JsonObject } from "../json";
import type { Annotation, ChatItem, McpTool } from "./types";

export function parseAnnotation(raw: unknown): Annotation | null {
  if (!isObject(raw)) return null;
  const type = getString(raw, "type");
  if (type === "url_citation") {
    const url = getString(raw, "url");
    if (!url) return null;
    return {
      type,
      url,
      title: getString(raw, "title"),
      start_index: getNumber(raw, "start_index"),
      end_index: getNumber(raw, "end_index"),
    };
  }
  if (type === "file_citation") {
    const fileId = getString(raw, "file_id");
    if (!fileId) return null;
    return { type, file_id: fileId, filename: getString(raw, "filename") };
  }
  if (type === "container_file_citation") {
    const fileId = getString(raw, "file_id");
    if (!fileId) return null;
    return {
      type,
      file_id: fileId,
      container_id: getString(raw, "container_id"),
      filename: getString(raw, "filename"),
    };
  }
  return null;
}

function annotationKey(a: Annotation): string {
  switch (a.type) {
    case "url_citation":
      return `u:${a.url}`;
    case "file_citation":
      return `f:${a.file_id}`;
    case "container_file_citation":
      return `c:${a.container_id ?? ""}:${a.file_id}`;
  }
}

export function mergeAnnotations(existing: Annotation[], added: Annotation[]): Annotation[] {
  const seen = new Set(existing.map(annotationKey));
  const result = [...existing];
  for (const a of added) {
    const key = annotationKey(a);
    if (!seen.has(key)) {
      seen.add(key);
      result.push(a);
    }
  }
  return result;
}

function messageText(item: JsonObject): { text: string; annotations: Annotation[] } {
  let text = "";
  const annotations: Annotation[] = [];
  for (const part of getArray(item, "content") ?? []) {
    if (!isObject(part)) continue;
    if (part.type === "output_text" || part.type === "text") {
      text += getString(part, "text") ?? "";
      for (const raw of getArray(part, "annotations") ?? []) {
        const a = parseAnnotation(raw);
        if (a) annotations.push(a);
      }
    } else if (part.type === "refusal") {
      text += getString(part, "refusal") ?? "";
    }
  }
  return { text, annotations };
}

function searchQueries(item: JsonObject): string[] {
  const fromItem = getArray(item, "queries");
  if (fromItem) return fromItem.filter((q): q is string => typeof q === "string");
  const action = getObject(item, "action");
  const queries = getArray(action, "queries");
  if (queries) return queries.filter((q): q is string => typeof q === "string");
  const query = getString(action, "query");
  return query ? [query] : [];
}

function mcpTools(item: JsonObject): McpTool[] {
  return (getArray(item, "tools") ?? []).flatMap((tool) => {
    const name = getString(tool, "name");
    return name ? [{ name, description: getString(tool, "description")?.trim() || undefined }] : [];
  });
}

function textOrJson(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") return value;
  if (isObject(value)) return getString(value, "message") ?? JSON.stringify(value);
  return JSON.stringify(value);
}

/** Display item for an output item, merged with what streaming already showed. */
export function itemFromOutput(
  raw: JsonObject,
  turnId: string,
  existing: ChatItem | undefined,
  done: boolean,
): ChatItem | null {
  const id = getString(raw, "id");
  const type = getString(raw, "type");
  if (!id || !type) return null;

  switch (type) {
    case "message": {
      if (getString(raw, "role") && raw.role !== "assistant") return null;
      const { text, annotations } = messageText(raw);
      const prev = existing?.kind === "assistant" ? existing : undefined;
      return {
        kind: "assistant",
        id,
        turnId,
        text: done || !prev ? text || prev?.text || "" : prev.text,
        annotations: mergeAnnotations(prev?.annotations ?? [], annotations),
        done,
      };
    }
    case "function_call": {
      const prev = existing?.kind === "function_call" ? existing : undefined;
      const args = getString(raw, "arguments") ?? "";
      const keepStatus = prev && (prev.status === "running" || prev.status === "done" || prev.status === "skipped");
      return {
        kind: "function_call",
        id,
        turnId,
        callId: getString(raw, "call_id") ?? id,
        name: getString(raw, "name") ?? "function",
        arguments: done ? args : args || prev?.arguments || "",
        status: keepStatus ? prev.status : done ? "ready" : "streaming",
        output: prev?.output,
      };
    }
    case "web_search_call":
    case "file_search_call": {
      const prev = existing?.kind === "web_search" || existing?.kind === "file_search" ? existing : undefined;
      const status = raw.status === "completed" || raw.status === "failed" || done ? "done" : prev?.status ?? "searching";
      const queries = searchQueries(raw);
      return {
        kind: type === "web_search_call" ? "web_search" : "file_search",
        id,
        turnId,
        status,
        queries: queries.length ? queries : prev?.queries ?? [],
      };
    }
    case "code_interpreter_call": {
      const prev = existing?.kind === "code_interpreter" ? existing : undefined;
      const code = getString(raw, "code") ?? "";
      const logs = (getArray(raw, "outputs") ?? []).flatMap((out) =>
        getString(out, "type") === "logs" && getString(out, "logs") ? [getString(out, "logs") as string] : [],
      );
      const completed = done || raw.status === "completed";
      return {
        kind: "code_interpreter",
        id,
        turnId,
        status: completed ? "done" : prev?.status ?? "writing",
        code: code || prev?.code || "",
        containerId: getString(raw, "container_id") ?? prev?.containerId,
        logs: logs.length ? logs : prev?.logs ?? [],
        files: prev?.files ?? [],
      };
    }
    case "mcp_list_tools": {
      const prev = existing?.kind === "mcp_list_tools" ? existing : undefined;
      const tools = mcpTools(raw);
      return {
        kind: "mcp_list_tools",
        id,
        turnId,
        serverLabel: getString(raw, "server_label") ?? "MCP server",
        tools: tools.length ? tools : prev?.tools ?? [],
        error: textOrJson(raw.error),
      };
    }
    case "mcp_call": {
      const prev = existing?.kind === "mcp_call" ? existing : undefined;
      const error = textOrJson(raw.error);
      const output = textOrJson(raw.output);
      const args = getString(raw, "arguments") ?? "";
      return {
        kind: "mcp_call",
        id,
        turnId,
        serverLabel: getString(raw, "server_label") ?? "MCP server",
        name: getString(raw, "name") ?? "tool",
        arguments: args || prev?.arguments || "",
        status: error ? "failed" : done || output !== undefined ? "done" : prev?.status ?? "running",
        output: output ?? prev?.output,
        error,
      };
    }
    case "mcp_approval_request": {
      const prev = existing?.kind === "mcp_approval_request" ? existing : undefined;
      return {
        kind: "mcp_approval_request",
        id,
        turnId,
        serverLabel: getString(raw, "server_label") ?? "MCP server",
        name: getString(raw, "name") ?? "tool",
        arguments: getString(raw, "arguments") ?? prev?.arguments ?? "",
        decision: prev?.decision ?? null,
      };
    }
    case "reasoning": {
      const prev = existing?.kind === "reasoning" ? existing : undefined;
      const summary = (getArray(raw, "summary") ?? [])
        .map((part) => getString(part, "text") ?? "")
        .filter(Boolean)
        .join("\n\n");
      return { kind: "reasoning", id, turnId, summary: summary || prev?.summary || "", done };
    }
    default:
      // anything new: nothing to show, but it stays in the conversation.
      return null;
  }
}

