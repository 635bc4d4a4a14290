"use client";

import { useLayoutEffect, useRef, useState } from "react";

import type { Annotation, ChatItem } from "@/lib/chat/types";
import type { ViewMessage } from "@/lib/conversations/messages";

import { Markdown } from "./Markdown";
import {
  ApprovalView,
  CodeInterpreterView,
  ContainerFileLinks,
  FunctionCallView,
  McpCallView,
  McpToolsView,
  SearchView,
} from "./ToolActivity";

type Kind<K extends ChatItem["kind"]> = Extract<ChatItem, { kind: K }>;

function hostOf(url: string): string {
  try {
    return new URL(url).hostname || url;
  } catch {
    return url;
  }
}

export function Citations({ annotations }: { annotations: Annotation[] }) {
  const urls = annotations.filter((a): a is Extract<Annotation, { type: "url_citation" }> => a.type === "url_citation");
  const files = annotations.filter((a): a is Extract<Annotation, { type: "file_citation" }> => a.type === "file_citation");
  const containerFiles = annotations.filter(
    (a): a is Extract<Annotation, { type: "container_file_citation" }> => a.type === "container_file_citation",
  );
  if (!urls.length && !files.length && !containerFiles.length) return null;
  return (
    <div className="mt-2 space-y-1 text-sm">
      {urls.length ? (
        <div>
          <span className="text-xs font-medium uppercase tracking-wide text-zinc-500">Sources</span>
          <ul className="mt-1 flex flex-wrap gap-2">
            {urls.map((a) => (
              <li key={a.url}>
                <a
                  href={a.url}
                  target="_blank"
                  rel="noopener noreferrer nofollow"
                  className="inline-block max-w-xs truncate rounded-full border border-zinc-200 px-2 py-0.5 text-sky-700 hover:bg-zinc-50"
                >
                  {a.title || hostOf(a.url)}
                </a>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {files.length ? (
        <ul className="flex flex-wrap gap-2" aria-label="Cited files">
          {files.map((a) => (
            <li key={a.file_id} className="rounded-full border border-zinc-200 px-2 py-0.5 text-zinc-700">
              <span aria-hidden="true">📄 </span>
              {a.filename || a.file_id}
            </li>
          ))}
        </ul>
      ) : null}
      {containerFiles.length ? (
        <ContainerFileLinks
          preview={false}
          files={containerFiles.map((a) => ({ fileId: a.file_id, containerId: a.container_id, filename: a.filename }))}
        />
      ) : null}
    </div>
  );
}

export function ThinkingIndicator() {
  return (
    <div role="status" aria-label="Waiting for the answer" className="flex items-center gap-1 py-2" data-testid="thinking">
      <span className="sr-only">Waiting for the answer…</span>
      {[0, 1, 2].map((i) => (
        <span
          key={i}
          aria-hidden="true"
          className="h-2 w-2 animate-bounce rounded-full bg-zinc-400"
          style={{ animationDelay: `${i * 150}ms` }}
        />
      ))}
    </div>
  );
}

function Greeting() {
  return (
    <div className="mx-auto mt-16 max-w-md text-center text-zinc-600">
      <h2 className="text-2xl font-semibold text-zinc-900">Hi! How can I help you today?</h2>
      <p className="mt-3">
        Ask anything. Switch on tools such as web search, file search or the code interpreter in the tools panel.
      </p>
    </div>
  );
}

const iconButton =
  "rounded-md px-1.5 py-1 text-xs text-zinc-600 hover:bg-zinc-100 hover:text-zinc-900 focus-visible:outline-2 focus-visible:outline-offset-1 focus-visible:outline-sky-700 disabled:cursor-not-allowed disabled:opacity-40";

/** `< 2/3 >`: moves between the versions of a message (edits, regenerations). */
function VersionSwitcher({
  message,
  disabled,
  onSwitch,
}: {
  message: ViewMessage;
  disabled: boolean;
  onSwitch: (messageId: string) => void;
}) {
  const ids = message.siblingIds;
  const index = ids.indexOf(message.id);
  if (ids.length < 2 || index < 0) return null;
  const previous = ids[index - 1];
  const next = ids[index + 1];
  return (
    <span className="inline-flex items-center text-xs text-zinc-600">
      <button
        type="button"
        aria-label="Previous version"
        className={iconButton}
        disabled={disabled || !previous}
        onClick={() => previous && onSwitch(previous)}
      >
        <span aria-hidden="true">‹</span>
      </button>
      <span className="tabular-nums">
        {index + 1}/{ids.length}
      </span>
      <button
        type="button"
        aria-label="Next version"
        className={iconButton}
        disabled={disabled || !next}
        onClick={() => next && onSwitch(next)}
      >
        <span aria-hidden="true">›</span>
      </button>
    </span>
  );
}

function UserMessage({
  message,
  busy,
  onEdit,
  onSwitch,
}: {
  message: ViewMessage;
  busy: boolean;
  onEdit: (messageId: string, text: string) => void;
  onSwitch: (messageId: string) => void;
}) {
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(message.text);
  if (editing) {
    return (
      <form
        className="ml-auto flex w-full max-w-[85%] flex-col gap-2"
        onSubmit={(e) => {
          e.preventDefault();
          if (!draft.trim()) return;
          setEditing(false);
          onEdit(message.id, draft);
        }}
      >
        <textarea
          aria-label="Edit message"
          value={draft}
          autoFocus
          rows={3}
          onChange={(e) => setDraft(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Escape") setEditing(false);
          }}
          className="w-full resize-y rounded-xl border border-zinc-300 px-3 py-2 focus:border-sky-600 focus:outline-none focus:ring-2 focus:ring-sky-600/30"
        />
        <div className="flex justify-end gap-2">
          <button type="button" onClick={() => setEditing(false)} className="rounded-md px-3 py-1.5 text-sm hover:bg-zinc-100">
            Cancel
          </button>
          <button
            type="submit"
            disabled={!draft.trim()}
            className="rounded-md bg-sky-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-sky-800 disabled:bg-zinc-300"
          >
            Save and send
          </button>
        </div>
      </form>
    );
  }
  return (
    <div className="group flex flex-col items-end gap-1">
      <div className="max-w-[85%] whitespace-pre-wrap break-words rounded-2xl bg-zinc-100 px-4 py-2">{message.text}</div>
      {message.stored ? (
        <div className="flex items-center gap-1">
          <VersionSwitcher message={message} disabled={busy} onSwitch={onSwitch} />
          <button
            type="button"
            aria-label="Edit"
            title="Edit"
            disabled={busy}
            className={iconButton}
            onClick={() => {
              setDraft(message.text);
              setEditing(true);
            }}
          >
            <span aria-hidden="true">✎</span>
          </button>
        </div>
      ) : null}
    </div>
  );
}

function AssistantText({ item }: { item: Kind<"assistant"> }) {
  if (!item.text && !item.annotations.length) return null;
  return (
    <article aria-label="Assistant message" className="min-w-0">
      <Markdown text={item.text} />
      <Citations annotations={item.annotations} />
    </article>
  );
}

/** The model's reasoning summary: open while it thinks, then folded into "Thinking". */
function Reasoning({ item, thinking }: { item: Kind<"reasoning">; thinking: boolean }) {
  if (!item.summary && !thinking) return null;
  if (thinking) {
    return (
      <section aria-label="Thinking" className="rounded-lg border border-zinc-200 bg-zinc-50 px-3 py-2 text-sm text-zinc-600">
        <p className="mb-1 text-xs font-medium uppercase tracking-wide text-zinc-500">Thinking…</p>
        {item.summary ? <Markdown text={item.summary} /> : null}
      </section>
    );
  }
  return (
    <details className="rounded-lg border border-zinc-200 bg-zinc-50 px-3 py-2 text-sm text-zinc-600">
      <summary className="cursor-pointer select-none text-xs font-medium uppercase tracking-wide text-zinc-500">
        Thinking
      </summary>
      <div className="mt-1">
        <Markdown text={item.summary} />
      </div>
    </details>
  );
}

export function formatTokens(n: number): string {
  return new Intl.NumberFormat("en-US").format(n);
}

export function formatCost(usd: number): string {
  if (usd === 0) return "$0";
  if (usd < 0.01) return `$${usd.toPrecision(2)}`;
  return `$${usd.toFixed(2)}`;
}

/** Tokens and, when the model has prices, cost: "63 tokens · $0.00080". */
export function usageWords(usage: ViewMessage["usage"], costUsd: number | null): { short: string; long: string } | null {
  if (!usage) return null;
  const short = [`${formatTokens(usage.total_tokens)} tokens`, costUsd !== null ? formatCost(costUsd) : null]
    .filter(Boolean)
    .join(" · ");
  const long =
    `${formatTokens(usage.input_tokens)} input (${formatTokens(usage.cached_tokens)} cached), ` +
    `${formatTokens(usage.output_tokens)} output (${formatTokens(usage.reasoning_tokens)} reasoning)` +
    (costUsd !== null ? `, ${formatCost(costUsd)}` : "");
  return { short, long };
}

function AnswerItem({
  item,
  thinking,
  canAnswer,
  onApproval,
}: {
  item: ChatItem;
  thinking: boolean;
  canAnswer: boolean;
  onApproval: (requestId: string, approve: boolean) => void;
}) {
  switch (item.kind) {
    case "assistant":
      return <AssistantText item={item} />;
    case "reasoning":
      return <Reasoning item={item} thinking={thinking && !item.done} />;
    case "function_call":
      return <FunctionCallView item={item} />;
    case "web_search":
    case "file_search":
      return <SearchView item={item} />;
    case "code_interpreter":
      return <CodeInterpreterView item={item} />;
    case "mcp_list_tools":
      return <McpToolsView item={item} />;
    case "mcp_call":
      return <McpCallView item={item} />;
    case "mcp_approval_request":
      return <ApprovalView item={item} canAnswer={canAnswer} onAnswer={(approve) => onApproval(item.id, approve)} />;
    default:
      return null;
  }
}

export const STOPPED_WORDS = "Stopped. The answer so far is kept.";

function AssistantAnswer({
  message,
  last,
  busy,
  modelLabel,
  onRegenerate,
  onRetry,
  onSwitch,
  onApproval,
}: {
  message: ViewMessage;
  last: boolean;
  busy: boolean;
  modelLabel: (id: string) => string;
  onRegenerate: (answerId: string) => void;
  onRetry: () => void;
  onSwitch: (messageId: string) => void;
  onApproval: (requestId: string, approve: boolean) => void;
}) {
  const usage = usageWords(message.usage, message.costUsd);
  // The answer is still thinking while no text has come after its reasoning.
  const texted = message.items.some((i) => i.kind === "assistant" && i.text);
  const failed = message.status === "failed" || message.status === "incomplete";
  return (
    <div className="group flex flex-col gap-3" data-status={message.status}>
      {message.items.map((item) => (
        <AnswerItem
          key={item.id}
          item={item}
          thinking={message.live && !texted}
          canAnswer={last && !busy && message.stored && message.status === "completed"}
          onApproval={onApproval}
        />
      ))}
      {message.waiting ? <ThinkingIndicator /> : null}
      {message.status === "cancelled" ? <p className="text-xs text-zinc-500">{STOPPED_WORDS}</p> : null}
      {failed && message.error ? (
        <div role="alert" className="rounded-lg border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-900">
          <p className="font-medium">The answer could not be completed.</p>
          <p className="mt-1 break-words">{message.error}</p>
          {last && !busy && (message.stored || message.id === "pending:error") ? (
            <button
              type="button"
              onClick={message.stored ? () => onRegenerate(message.id) : onRetry}
              className="mt-2 rounded-md bg-red-700 px-3 py-1.5 font-medium text-white hover:bg-red-800 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-red-700"
            >
              Retry
            </button>
          ) : null}
        </div>
      ) : null}
      {message.stored || (usage && !message.live) ? (
        <div className="flex flex-wrap items-center gap-x-2 gap-y-1 text-xs text-zinc-500">
          {message.stored ? <VersionSwitcher message={message} disabled={busy} onSwitch={onSwitch} /> : null}
          {message.stored ? (
            <button
              type="button"
              aria-label="Regenerate"
              title="Regenerate"
              disabled={busy}
              className={iconButton}
              onClick={() => onRegenerate(message.id)}
            >
              <span aria-hidden="true">↻</span>
            </button>
          ) : null}
          {message.model ? <span>{modelLabel(message.model)}</span> : null}
          {usage ? (
            <span title={usage.long} aria-label={`Usage: ${usage.long}`} data-testid="answer-usage">
              {usage.short}
            </span>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}

interface MessageListProps {
  messages: ViewMessage[];
  /** A new chat: the greeting shows while there is nothing yet. */
  greeting?: boolean;
  busy: boolean;
  modelLabel: (id: string) => string;
  onEdit: (messageId: string, text: string) => void;
  onRegenerate: (answerId: string) => void;
  onRetry: () => void;
  onSwitch: (messageId: string) => void;
  onApproval: (requestId: string, approve: boolean) => void;
}

/** Within this many pixels of the bottom, the view keeps following the stream. */
const STICK_THRESHOLD = 48;

export function MessageList({ messages, greeting = true, busy, modelLabel, onEdit, onRegenerate, onRetry, onSwitch, onApproval }: MessageListProps) {
  const scroller = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  const lastCount = useRef(0);
  const [awayFromEnd, setAwayFromEnd] = useState(false);

  const userCount = messages.filter((m) => m.role === "user").length;

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    // A new question of the reader's own always brings the view down.
    if (userCount !== lastCount.current) {
      lastCount.current = userCount;
      stick.current = true;
    }
    if (stick.current) el.scrollTop = el.scrollHeight;
  });

  return (
    <div className="relative flex min-h-0 flex-1 flex-col">
      <div
        ref={scroller}
        onScroll={(e) => {
          const el = e.currentTarget;
          stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < STICK_THRESHOLD;
          setAwayFromEnd(!stick.current);
        }}
        className="min-h-0 flex-1 overflow-y-auto"
        aria-label="Conversation"
        role="log"
        aria-live="polite"
        aria-busy={busy}
      >
        <div className="mx-auto flex max-w-3xl flex-col gap-4 px-4 py-6">
          {messages.length === 0 && greeting ? <Greeting /> : null}
          {messages.map((message, index) =>
            message.role === "user" ? (
              <UserMessage key={message.id} message={message} busy={busy} onEdit={onEdit} onSwitch={onSwitch} />
            ) : (
              <AssistantAnswer
                key={message.id}
                message={message}
                last={index === messages.length - 1}
                busy={busy}
                modelLabel={modelLabel}
                onRegenerate={onRegenerate}
                onRetry={onRetry}
                onSwitch={onSwitch}
                onApproval={onApproval}
              />
            ),
          )}
        </div>
      </div>
      {awayFromEnd ? (
        <button
          type="button"
          onClick={() => {
            const el = scroller.current;
            if (!el) return;
            // At once, not smoothly: a smooth scroll aims at where the end was, and while the
            // answer grows it would stop short and stop following.
            stick.current = true;
            el.scrollTop = el.scrollHeight;
            setAwayFromEnd(false);
          }}
          className="absolute bottom-3 left-1/2 -translate-x-1/2 rounded-full border border-zinc-300 bg-white px-3 py-1.5 text-sm shadow-md hover:bg-zinc-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-700"
        >
          ↓ Latest
        </button>
      ) : null}
    </div>
  );
}
