/**
 * A turn of a server-kept conversation as its numbered frames build it (docs/api.md, A turn).
 *
 * Pure: frames in, the answer's display items out. Every frame carries its number; a frame at
 * or below the last one applied is skipped, so a stream picked up again with Last-Event-ID (or
 * replayed from the start after a reload) never shows a word twice. The upstream events of each
 * round go through the chat reducer, which knows how every output item is shown.
 */
import type { MessageStatus, Usage } from "../api";
import { chatReducer, errorEventMessage, initialChatState, STOPPED_NOTICE } from "../chat/reducer";
import type { ChatItem, ChatState } from "../chat/types";
import { getNumber, getObject, getString, isObject } from "../json";
import type { NumberedEvent, StreamEvent } from "../sse";

export interface LiveTurn {
  conversationId: string;
  /** The answer's message id: known from `turn.started` (or from the stored message). */
  turnId: string | null;
  /** The user message answered: the new one, or the one regenerated for. */
  userMessageId: string | null;
  /** The number of the last frame applied: what Last-Event-ID says on a reconnect. */
  lastEventId: number;
  /** The answer's display items, as the chat reducer keeps them. */
  chat: ChatState;
  status: MessageStatus;
  /** `turn.ended` arrived: nothing more will come. */
  ended: boolean;
  usage: Usage | null;
  costUsd: number | null;
  /** The error the turn ended with, in words. */
  error: string | null;
  /** A title the server wrote for the conversation during this turn. */
  title: string | null;
}

/** The chat reducer's turn id for the answer's items; one per live turn is enough. */
const ROUND = "answer";

function newChat(): ChatState {
  return chatReducer(initialChatState, { type: "turn_started", turnId: ROUND });
}

export function newLiveTurn(conversationId: string, turnId: string | null = null): LiveTurn {
  return {
    conversationId,
    turnId,
    userMessageId: null,
    lastEventId: 0,
    chat: newChat(),
    status: "streaming",
    ended: false,
    usage: null,
    costUsd: null,
    error: null,
    title: null,
  };
}

function isUsage(value: unknown): value is Usage {
  return isObject(value) && typeof value.total_tokens === "number";
}

function reopenRound(chat: ChatState): ChatState {
  // A turn may call the model several times (functions run on the server in between): each
  // round's response.created follows the previous round's response.completed.
  if (chat.turn?.outcome === "running") return chat;
  return chatReducer(chat, { type: "turn_started", turnId: ROUND });
}

function applyEvent(turn: LiveTurn, event: StreamEvent): LiveTurn {
  switch (event.type) {
    case "turn.started":
      return {
        ...turn,
        turnId: getString(event, "turn_id") ?? turn.turnId,
        userMessageId: getString(event, "user_message_id") ?? turn.userMessageId,
      };
    case "function_call.output": {
      const item = getObject(event, "item");
      const callId = getString(item, "call_id");
      const output = getString(item, "output");
      if (!callId || output === undefined) return turn;
      return { ...turn, chat: chatReducer(turn.chat, { type: "function_output", callId, output }) };
    }
    case "conversation.title":
      return { ...turn, title: getString(event, "title") ?? turn.title };
    case "error": {
      const message = errorEventMessage(event);
      return { ...turn, error: message, chat: chatReducer(turn.chat, { type: "stream_event", event }) };
    }
    case "response.failed": {
      const error = getObject(getObject(event, "response"), "error");
      const message = error ? errorEventMessage({ error }) : "The model could not complete the answer.";
      return { ...turn, error: turn.error ?? message, chat: chatReducer(turn.chat, { type: "stream_event", event }) };
    }
    case "turn.ended":
      return endTurn(turn, event);
    case "response.created":
      return { ...turn, chat: chatReducer(reopenRound(turn.chat), { type: "stream_event", event }) };
    default:
      return { ...turn, chat: chatReducer(turn.chat, { type: "stream_event", event }) };
  }
}

const STATUSES: readonly MessageStatus[] = ["streaming", "completed", "incomplete", "cancelled", "failed"];

function endTurn(turn: LiveTurn, event: StreamEvent): LiveTurn {
  const raw = getString(event, "status");
  const status = STATUSES.includes(raw as MessageStatus) ? (raw as MessageStatus) : "incomplete";
  let chat = turn.chat;
  if (status === "cancelled") chat = chatReducer(chat, { type: "turn_aborted" });
  else if (chat.turn?.outcome === "running") chat = closeRound(chat);
  return {
    ...turn,
    chat,
    status,
    ended: true,
    usage: isUsage(event.usage) ? event.usage : turn.usage,
    costUsd: getNumber(event, "cost_usd") ?? turn.costUsd,
    error: status === "incomplete" && !turn.error ? "The answer was cut short." : turn.error,
  };
}

/** Ends a round that never saw its response.completed (cut short): streaming items close. */
function closeRound(chat: ChatState): ChatState {
  const items = chat.items.map((item): ChatItem => {
    if ((item.kind === "assistant" || item.kind === "reasoning") && !item.done) return { ...item, done: true };
    if (item.kind === "function_call" && (item.status === "streaming" || item.status === "ready"))
      return { ...item, status: "skipped" };
    if ((item.kind === "web_search" || item.kind === "file_search") && item.status === "searching")
      return { ...item, status: "done" };
    return item;
  });
  return { ...chat, items, turn: chat.turn ? { ...chat.turn, outcome: "completed", started: true } : null };
}

/** Applies one frame; frames already applied (by number) change nothing. */
export function applyFrame(turn: LiveTurn, frame: NumberedEvent): LiveTurn {
  if (turn.ended) return turn;
  if (frame.id !== null) {
    if (frame.id <= turn.lastEventId) return turn;
    return { ...applyEvent(turn, frame.event), lastEventId: frame.id };
  }
  return applyEvent(turn, frame.event);
}

export function applyFrames(turn: LiveTurn, frames: Iterable<NumberedEvent>): LiveTurn {
  let next = turn;
  for (const frame of frames) next = applyFrame(next, frame);
  return next;
}

/** The answer's display items, without the reducer's own error and notice items. */
export function answerItems(turn: LiveTurn): ChatItem[] {
  return turn.chat.items.filter((item) => item.kind !== "error" && item.kind !== "notice");
}

/** Nothing visible yet: the loading indicator shows. */
export function isWaiting(turn: LiveTurn): boolean {
  return !turn.ended && turn.chat.turn?.outcome === "running" && !turn.chat.turn.started;
}

export { STOPPED_NOTICE };
