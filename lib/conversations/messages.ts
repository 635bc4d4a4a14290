/**
 * Stored messages (docs/api.md, Objects) as the chat shows them: the same display items a
 * streamed answer has, so an answer looks the same live, after a reload and in another tab.
 */
import type { MessageStatus, StoredMessage, Usage } from "../api";
import { chatReducer, initialChatState } from "../chat/reducer";
import type { ChatItem } from "../chat/types";
import { getArray, getString, isObject } from "../json";
import { answerItems, isWaiting, type LiveTurn } from "./live-turn";

export interface ViewMessage {
  /** The stored id; a message not stored yet has a made-up one (`pending:`...). */
  id: string;
  role: "user" | "assistant";
  /** A user message's text. */
  text: string;
  /** An answer's display items. */
  items: ChatItem[];
  status: MessageStatus;
  parentId: string | null;
  siblingIds: string[];
  model: string | null;
  usage: Usage | null;
  costUsd: number | null;
  /** Why the answer stopped, in words, when it did not complete. */
  error: string | null;
  /** Streaming in this browser right now. */
  live: boolean;
  /** Live and nothing visible yet. */
  waiting: boolean;
  /** Stored, so it can be edited, regenerated or switched. */
  stored: boolean;
}

/** The text of a user message: its string content, or its text parts. */
export function userText(message: Pick<StoredMessage, "items" | "text">): string {
  const parts: string[] = [];
  for (const item of message.items) {
    if (getString(item, "role") !== "user") continue;
    const content = item.content;
    if (typeof content === "string") parts.push(content);
    else
      for (const part of getArray(item, "content") ?? []) {
        const text = getString(part, "text");
        if (text) parts.push(text);
      }
  }
  return parts.length ? parts.join("\n\n") : message.text;
}

/** A user message that only answers MCP approval requests: shown on the requests, not as a bubble. */
export function isApprovalAnswer(message: StoredMessage): boolean {
  return (
    message.role === "user" &&
    message.items.length > 0 &&
    message.items.every((item) => getString(item, "type") === "mcp_approval_response")
  );
}

/** An answer's stored items replayed as finished output items through the chat reducer. */
export function storedAnswerItems(message: StoredMessage): ChatItem[] {
  let chat = chatReducer(initialChatState, { type: "turn_started", turnId: message.id });
  for (const item of message.items) {
    if (!isObject(item)) continue;
    if (getString(item, "type") === "function_call_output") {
      const callId = getString(item, "call_id");
      const output = getString(item, "output");
      if (callId && output !== undefined) chat = chatReducer(chat, { type: "function_output", callId, output });
      continue;
    }
    chat = chatReducer(chat, { type: "stream_event", event: { type: "response.output_item.done", item } });
  }
  return chat.items.map((item) => {
    // A call without its output never ran: the turn stopped first.
    if (item.kind === "function_call" && item.status !== "done") return { ...item, status: "skipped" };
    if (item.kind === "assistant" && !item.done) return { ...item, done: true };
    return item;
  });
}

const STOPPED_WORDS: Partial<Record<MessageStatus, string>> = {
  incomplete: "The answer was cut short.",
  failed: "The model could not answer.",
};

function fromStored(message: StoredMessage, errors: ReadonlyMap<string, string>): ViewMessage {
  const assistant = message.role === "assistant";
  return {
    id: message.id,
    role: message.role,
    text: assistant ? message.text : userText(message),
    items: assistant ? storedAnswerItems(message) : [],
    status: message.status,
    parentId: message.parent_id,
    siblingIds: message.sibling_ids.length ? message.sibling_ids : [message.id],
    model: message.model,
    usage: message.usage,
    costUsd: message.cost_usd,
    error: assistant
      ? (errors.get(message.id) ?? message.error?.message ?? STOPPED_WORDS[message.status] ?? null)
      : null,
    live: false,
    waiting: false,
    stored: true,
  };
}

/** Approval requests take the decision a later approval answer gave. */
function withDecisions(messages: ViewMessage[], path: StoredMessage[]): ViewMessage[] {
  const decisions = new Map<string, boolean>();
  for (const message of path) {
    if (!isApprovalAnswer(message)) continue;
    for (const item of message.items) {
      const id = getString(item, "approval_request_id");
      if (id) decisions.set(id, item.approve === true);
    }
  }
  if (!decisions.size) return messages;
  return messages.map((message) => ({
    ...message,
    items: message.items.map((item) =>
      item.kind === "mcp_approval_request" && decisions.has(item.id)
        ? { ...item, decision: decisions.get(item.id) ? "approved" : "declined" }
        : item,
    ),
  }));
}

export interface PendingTurn {
  /** The stored message the new input follows (null: a new first message); where the path is cut. */
  parentId: string | null;
  /** The new user message's text; null for a regeneration or an approval answer. */
  userText: string | null;
  /** A regeneration: the answer it replaces on screen (the path is cut before it). */
  regenerateOf: string | null;
  /** Live frames; null before the turn starts (or when it could not). */
  live: LiveTurn | null;
  /** The turn could not start: why, in words (Retry sends it again). */
  startError: string | null;
}

/**
 * What the conversation shows: the stored active path, and a turn of this browser (sent or being
 * followed) in place of what it replaces.
 */
export function viewMessages(
  path: StoredMessage[],
  pending: PendingTurn | null,
  errors: ReadonlyMap<string, string> = new Map(),
): ViewMessage[] {
  let stored = path;
  if (pending) {
    const cut =
      pending.regenerateOf !== null
        ? path.findIndex((m) => m.id === pending.regenerateOf)
        : pending.parentId === null
          ? 0
          : path.findIndex((m) => m.id === pending.parentId) + 1;
    // A turn being followed whose answer is already on the path replaces it there.
    const liveAt = pending.live?.turnId ? path.findIndex((m) => m.id === pending.live?.turnId) : -1;
    const end = liveAt >= 0 ? liveAt : cut >= 0 ? cut : path.length;
    stored = path.slice(0, end);
  }
  const shown = stored.filter((m) => !isApprovalAnswer(m)).map((m) => fromStored(m, errors));
  const result = withDecisions(shown, path);
  if (!pending) return result;

  const liveAnswerStored = pending.live?.turnId ? path.some((m) => m.id === pending.live?.turnId) : false;
  if (pending.userText !== null && !liveAnswerStored) {
    result.push({
      id: pending.live?.userMessageId ?? "pending:user",
      role: "user",
      text: pending.userText,
      items: [],
      status: "completed",
      parentId: pending.parentId,
      siblingIds: [],
      model: null,
      usage: null,
      costUsd: null,
      error: null,
      live: true,
      waiting: false,
      stored: false,
    });
  }
  if (pending.startError !== null) {
    result.push({
      id: "pending:error",
      role: "assistant",
      text: "",
      items: [],
      status: "failed",
      parentId: null,
      siblingIds: [],
      model: null,
      usage: null,
      costUsd: null,
      error: pending.startError,
      live: false,
      waiting: false,
      stored: false,
    });
    return result;
  }
  const live = pending.live;
  result.push({
    id: live?.turnId ?? "pending:answer",
    role: "assistant",
    text: "",
    items: live ? answerItems(live) : [],
    status: live?.status ?? "streaming",
    parentId: live?.userMessageId ?? null,
    siblingIds: [],
    model: null,
    usage: live?.usage ?? null,
    costUsd: live?.costUsd ?? null,
    error: live?.error ?? null,
    live: !live?.ended,
    waiting: !live || isWaiting(live),
    stored: false,
  });
  return result;
}
