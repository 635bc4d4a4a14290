/**
 * The chat as a pure function of what happened: user actions and stream
 * events in, display items and the conversation's API items out.
 * Components and the store never change chat state any other way.
 */
import { getArray, getObject, getString, isObject, type JsonObject } from "../json";
import type { StreamEvent } from "../sse";
import { itemFromOutput, mergeAnnotations, parseAnnotation } from "./display-items";
import type { Annotation, ApiItem, ChatItem, ChatState, ContainerFile, TurnState } from "./types";

export type ChatAction =
  | { type: "user_message"; turnId: string; text: string }
  | { type: "turn_started"; turnId: string }
  | { type: "stream_event"; event: StreamEvent }
  /** The stream ended (the server closed it). */
  | { type: "stream_closed" }
  /** The turn could not start or broke off: a non-2xx answer, no network, ... */
  | { type: "turn_failed"; message: string }
  /** The person pressed Stop. */
  | { type: "turn_aborted" }
  | { type: "function_output"; callId: string; output: string };


export const initialChatState: ChatState = { items: [], conversation: [], turn: null };

export const CONNECTION_LOST =
  "The connection to the server was lost before the answer was complete.";
export const STOPPED_NOTICE = "Stopped. The answer so far is kept.";
export const CANCELLED_FUNCTION_OUTPUT = JSON.stringify({ error: "The user stopped this call before it ran." });

// ---------------------------------------------------------------------------
// helpers

type Kind<K extends ChatItem["kind"]> = Extract<ChatItem, { kind: K }>;

function replaceItem(items: ChatItem[], id: string, update: (item: ChatItem) => ChatItem): ChatItem[] {
  let changed = false;
  const next = items.map((item) => {
    if (item.id !== id) return item;
    changed = true;
    return update(item);
  });
  return changed ? next : items;
}

function findItem(items: ChatItem[], id: string): ChatItem | undefined {
  return items.find((item) => item.id === id);
}

function withTurn(state: ChatState, update: (turn: TurnState) => TurnState): ChatState {
  return state.turn ? { ...state, turn: update(state.turn) } : state;
}

function markStarted(state: ChatState): ChatState {
  return state.turn && !state.turn.started ? withTurn(state, (t) => ({ ...t, started: true })) : state;
}

function upsertOutputItem(state: ChatState, raw: unknown, done: boolean): ChatState {
  if (!isObject(raw) || !state.turn) return state;
  const turnId = state.turn.id;
  const id = getString(raw, "id");
  const existing = id ? findItem(state.items, id) : undefined;
  const next = itemFromOutput(raw, turnId, existing, done);
  if (!next) return state;
  const items = existing ? replaceItem(state.items, next.id, () => next) : [...state.items, next];
  let result: ChatState = { ...state, items };
  if (next.kind === "assistant") {
    result = attachContainerFiles(result, next.annotations);
    if (!next.text && !done) return result; // the loading indicator stays until the first token
  }
  return markStarted(result);
}

function recordOutput(state: ChatState, raw: unknown): ChatState {
  if (!isObject(raw)) return state;
  return withTurn(state, (turn) => {
    const id = getString(raw, "id");
    const index = id ? turn.output.findIndex((item) => item.id === id) : -1;
    const output = index >= 0 ? turn.output.map((item, i) => (i === index ? raw : item)) : [...turn.output, raw];
    return { ...turn, output };
  });
}

/** Container-file citations name files the code interpreter made: show them with its call. */
function attachContainerFiles(state: ChatState, annotations: Annotation[]): ChatState {
  let items = state.items;
  for (const a of annotations) {
    if (a.type !== "container_file_citation") continue;
    const file: ContainerFile = { fileId: a.file_id, containerId: a.container_id, filename: a.filename };
    const candidates = items.filter((item): item is Kind<"code_interpreter"> => item.kind === "code_interpreter");
    const target =
      [...candidates].reverse().find((item) => !a.container_id || item.containerId === a.container_id) ??
      candidates[candidates.length - 1];
    if (!target || target.files.some((f) => f.fileId === file.fileId)) continue;
    items = replaceItem(items, target.id, (item) =>
      item.kind === "code_interpreter" ? { ...item, files: [...item.files, file] } : item,
    );
  }
  return items === state.items ? state : { ...state, items };
}

function ensureAssistant(state: ChatState, itemId: string): ChatState {
  if (!state.turn || findItem(state.items, itemId)) return state;
  return {
    ...state,
    items: [
      ...state.items,
      { kind: "assistant", id: itemId, turnId: state.turn.id, text: "", annotations: [], done: false },
    ],
  };
}

function updateKind<K extends ChatItem["kind"]>(
  state: ChatState,
  id: string | undefined,
  kind: K,
  update: (item: Kind<K>) => Kind<K>,
): ChatState {
  if (!id) return state;
  const items = replaceItem(state.items, id, (item) => (item.kind === kind ? update(item as Kind<K>) : item));
  return items === state.items ? state : { ...state, items };
}

/** Words for OpenAI's `error` event, nested (as on the wire) or flat (as in the OpenAPI text). */
export function errorEventMessage(event: JsonObject): string {
  const nested = getObject(event, "error");
  const message = getString(nested, "message") ?? getString(event, "message");
  const code = getString(nested, "code") ?? getString(event, "code") ?? getString(nested, "type");
  if (message) return message;
  if (code) return `The model service reported an error (${code}).`;
  return "The model service reported an error.";
}

function failTurn(state: ChatState, message: string): ChatState {
  const turn = state.turn;
  if (!turn || turn.outcome === "failed" || turn.outcome === "aborted") return state;
  return {
    ...state,
    // The failed turn adds nothing to the conversation: Retry sends the same request.
    conversation: turn.request,
    items: [
      ...closeStreamingItems(state.items, turn.id),
      { kind: "error", id: `${turn.id}:error`, turnId: turn.id, message },
    ],
    turn: { ...turn, outcome: "failed", started: true },
  };
}

function closeStreamingItems(items: ChatItem[], turnId: string): ChatItem[] {
  return items.map((item) => {
    if (item.turnId !== turnId) return item;
    if ((item.kind === "assistant" || item.kind === "reasoning") && !item.done) return { ...item, done: true };
    if (item.kind === "function_call" && (item.status === "streaming" || item.status === "ready"))
      return { ...item, status: "skipped" };
    if ((item.kind === "web_search" || item.kind === "file_search") && item.status === "searching")
      return { ...item, status: "done" };
    if (item.kind === "code_interpreter" && item.status !== "done") return { ...item, status: "done" };
    if (item.kind === "mcp_call" && item.status === "running") return { ...item, status: "failed" };
    return item;
  });
}

function completeTurn(state: ChatState, response: JsonObject | undefined, notice?: string): ChatState {
  const turn = state.turn;
  if (!turn || turn.outcome !== "running") return state;
  const finalOutput = getArray(response, "output");
  let next: ChatState = state;
  // The completed response is the authority: some items (approval requests,
  // tool lists) may only be complete there.
  if (finalOutput && finalOutput.length) {
    for (const raw of finalOutput) next = upsertOutputItem(next, raw, true);
  }
  const output = finalOutput && finalOutput.length ? finalOutput.filter(isObject) : turn.output;
  const items = next.items.map((item) =>
    item.turnId === turn.id && item.kind === "assistant" && !item.done ? { ...item, done: true } : item,
  );
  return {
    ...next,
    items: notice ? [...items, { kind: "notice", id: `${turn.id}:notice`, turnId: turn.id, text: notice }] : items,
    conversation: [...turn.request, ...output],
    turn: { ...turn, output, outcome: "completed", started: true },
  };
}

/**
 * Events that stream one text field of an item: `<prefix>.delta` appends to it,
 * `<prefix>.done` replaces it with the final value the event carries.
 */
const STREAMED_FIELDS: Record<string, { kind: ChatItem["kind"]; field: "arguments" | "code" }> = {
  "response.function_call_arguments": { kind: "function_call", field: "arguments" },
  "response.mcp_call_arguments": { kind: "mcp_call", field: "arguments" },
  "response.code_interpreter_call_code": { kind: "code_interpreter", field: "code" },
};

/** Events that only move an item to another status. */
const STATUS_EVENTS: Record<string, { kind: ChatItem["kind"]; status: string }> = {
  "response.mcp_call.failed": { kind: "mcp_call", status: "failed" },
  "response.web_search_call.completed": { kind: "web_search", status: "done" },
  "response.file_search_call.completed": { kind: "file_search", status: "done" },
  "response.code_interpreter_call.interpreting": { kind: "code_interpreter", status: "running" },
  "response.code_interpreter_call.completed": { kind: "code_interpreter", status: "done" },
};

function applyItemEvent(state: ChatState, event: StreamEvent, itemId: string | undefined): ChatState | null {
  const status = STATUS_EVENTS[event.type];
  if (status) return updateKind(state, itemId, status.kind, (item) => ({ ...item, status: status.status }) as typeof item);
  const dot = event.type.lastIndexOf(".");
  const streamed = STREAMED_FIELDS[event.type.slice(0, dot)];
  const step = event.type.slice(dot + 1);
  if (!streamed || (step !== "delta" && step !== "done")) return null;
  const { kind, field } = streamed;
  return updateKind(state, itemId, kind, (item) => {
    const current = (item as unknown as Record<string, string>)[field] ?? "";
    const value = step === "delta" ? current + (getString(event, "delta") ?? "") : (getString(event, field) ?? current);
    return { ...item, [field]: value } as typeof item;
  });
}

function applyStreamEvent(state: ChatState, event: StreamEvent): ChatState {
  if (!state.turn || state.turn.outcome !== "running") return state;
  const itemId = getString(event, "item_id");
  const itemEvent = applyItemEvent(state, event, itemId);
  if (itemEvent) return itemEvent;

  switch (event.type) {
    case "response.output_item.added":
      return upsertOutputItem(state, event.item, false);

    case "response.output_item.done":
      return recordOutput(upsertOutputItem(state, event.item, true), event.item);

    case "response.output_text.delta": {
      const delta = getString(event, "delta") ?? "";
      if (!itemId || !delta) return state;
      const next = updateKind(ensureAssistant(state, itemId), itemId, "assistant", (item) => ({
        ...item,
        text: item.text + delta,
      }));
      return markStarted(next);
    }

    case "response.output_text.done": {
      const text = getString(event, "text");
      if (!itemId || text === undefined) return state;
      return markStarted(
        updateKind(ensureAssistant(state, itemId), itemId, "assistant", (item) => ({ ...item, text })),
      );
    }

    case "response.reasoning_summary_part.added":
    case "response.reasoning_summary_text.delta": {
      if (!itemId || !state.turn) return state;
      const withItem = findItem(state.items, itemId)
        ? state
        : {
            ...state,
            items: [
              ...state.items,
              { kind: "reasoning" as const, id: itemId, turnId: state.turn.id, summary: "", done: false },
            ],
          };
      return updateKind(withItem, itemId, "reasoning", (item) => {
        if (event.type === "response.reasoning_summary_part.added")
          return item.summary ? { ...item, summary: `${item.summary}\n\n` } : item;
        return { ...item, summary: item.summary + (getString(event, "delta") ?? "") };
      });
    }

    case "response.output_text.annotation.added": {
      const annotation = parseAnnotation(event.annotation);
      if (!itemId || !annotation) return state;
      const next = updateKind(ensureAssistant(state, itemId), itemId, "assistant", (item) => ({
        ...item,
        annotations: mergeAnnotations(item.annotations, [annotation]),
      }));
      return attachContainerFiles(next, [annotation]);
    }

    case "response.completed":
      return completeTurn(state, getObject(event, "response"));

    case "response.incomplete": {
      const response = getObject(event, "response");
      const reason = getString(getObject(response, "incomplete_details"), "reason");
      const words =
        reason === "max_output_tokens"
          ? "The answer was cut short: it reached the length limit."
          : reason === "content_filter"
            ? "The answer was cut short by the content filter."
            : "The answer was cut short.";
      return completeTurn(state, response, words);
    }

    case "response.failed": {
      const error = getObject(getObject(event, "response"), "error");
      return failTurn(state, error ? errorEventMessage({ error }) : "The model could not complete the answer.");
    }

    case "error":
      return failTurn(state, errorEventMessage(event));

    default:
      return state;
  }
}

function abortTurn(state: ChatState): ChatState {
  const turn = state.turn;
  if (!turn) return state;
  if (turn.outcome === "completed") {
    // Stopped while the client ran functions: answer each pending call so the
    // conversation stays valid (every function_call needs its output).
    let next = state;
    for (const item of state.items) {
      if (item.turnId === turn.id && item.kind === "function_call" && item.status !== "done") {
        next = chatReducer(next, { type: "function_output", callId: item.callId, output: CANCELLED_FUNCTION_OUTPUT });
        next = updateKind(next, item.id, "function_call", (fc) => ({ ...fc, status: "skipped" }));
      }
    }
    return {
      ...next,
      items: [...next.items, { kind: "notice", id: `${turn.id}:notice`, turnId: turn.id, text: "Stopped." }],
      turn: { ...turn, outcome: "aborted" },
    };
  }
  if (turn.outcome !== "running") return state;
  // Keep what was said so far, as plain text: half-finished tool calls and
  // reasoning items cannot be sent back without their counterparts.
  const partial = state.items
    .filter((item): item is Kind<"assistant"> => item.turnId === turn.id && item.kind === "assistant")
    .map((item) => item.text)
    .filter(Boolean)
    .join("\n\n");
  const conversation: ApiItem[] = partial
    ? [...turn.request, { role: "assistant", content: partial }]
    : turn.request;
  return {
    ...state,
    conversation,
    items: [
      ...closeStreamingItems(state.items, turn.id),
      { kind: "notice", id: `${turn.id}:notice`, turnId: turn.id, text: STOPPED_NOTICE },
    ],
    turn: { ...turn, outcome: "aborted", started: true },
  };
}

export function chatReducer(state: ChatState, action: ChatAction): ChatState {
  switch (action.type) {
    case "user_message":
      return {
        ...state,
        items: [...state.items, { kind: "user", id: `${action.turnId}:user`, turnId: action.turnId, text: action.text }],
        conversation: [...state.conversation, { role: "user", content: action.text }],
      };

    case "turn_started":
      return {
        ...state,
        turn: { id: action.turnId, request: state.conversation, output: [], outcome: "running", started: false },
      };

    case "stream_event":
      return applyStreamEvent(state, action.event);

    case "stream_closed":
      return state.turn?.outcome === "running" ? failTurn(state, CONNECTION_LOST) : state;

    case "turn_failed":
      return failTurn(state, action.message);

    case "turn_aborted":
      return abortTurn(state);

    case "function_output": {
      const item = state.items.find((i) => i.kind === "function_call" && i.callId === action.callId);
      const withOutput = item
        ? updateKind(state, item.id, "function_call", (fc) => ({ ...fc, status: "done", output: action.output }))
        : state;
      return {
        ...withOutput,
        conversation: [
          ...withOutput.conversation,
          { type: "function_call_output", call_id: action.callId, output: action.output },
        ],
      };
    }
  }
}
