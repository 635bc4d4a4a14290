"use client";

import { useLayoutEffect, useRef, useState } from "react";

import type { Annotation, ChatItem, ChatState } from "@/lib/chat/types";

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

function Citations({ annotations }: { annotations: Annotation[] }) {
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

function UserMessage({ item }: { item: Kind<"user"> }) {
  return (
    <div className="flex justify-end">
      <div className="max-w-[85%] whitespace-pre-wrap break-words rounded-2xl bg-zinc-100 px-4 py-2">{item.text}</div>
    </div>
  );
}

function AssistantMessage({ item }: { item: Kind<"assistant"> }) {
  if (!item.text && !item.annotations.length) return null;
  return (
    <article aria-label="Assistant message" className="min-w-0">
      <Markdown text={item.text} />
      <Citations annotations={item.annotations} />
    </article>
  );
}

function ErrorMessage({ item, onRetry }: { item: Kind<"error">; onRetry: (() => void) | null }) {
  return (
    <div role="alert" className="rounded-lg border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-900">
      <p className="font-medium">The answer could not be completed.</p>
      <p className="mt-1 break-words">{item.message}</p>
      {onRetry ? (
        <button
          type="button"
          onClick={onRetry}
          className="mt-2 rounded-md bg-red-700 px-3 py-1.5 font-medium text-white hover:bg-red-800 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-red-700"
        >
          Retry
        </button>
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

interface MessageListProps {
  chat: ChatState;
  busy: boolean;
  waiting: boolean;
  onRetry: () => void;
  onApproval: (requestId: string, approve: boolean) => void;
}

/** Within this many pixels of the bottom, the view keeps following the stream. */
const STICK_THRESHOLD = 48;

export function MessageList({ chat, busy, waiting, onRetry, onApproval }: MessageListProps) {
  const scroller = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  const lastCount = useRef(0);
  const [awayFromEnd, setAwayFromEnd] = useState(false);

  const userCount = chat.items.filter((i) => i.kind === "user").length;

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

  const turn = chat.turn;
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
          {chat.items.length === 0 ? <Greeting /> : null}
          {chat.items.map((item) => {
            switch (item.kind) {
              case "user":
                return <UserMessage key={item.id} item={item} />;
              case "assistant":
                return <AssistantMessage key={item.id} item={item} />;
              case "function_call":
                return <FunctionCallView key={item.id} item={item} />;
              case "web_search":
              case "file_search":
                return <SearchView key={item.id} item={item} />;
              case "code_interpreter":
                return <CodeInterpreterView key={item.id} item={item} />;
              case "mcp_list_tools":
                return <McpToolsView key={item.id} item={item} />;
              case "mcp_call":
                return <McpCallView key={item.id} item={item} />;
              case "mcp_approval_request":
                return (
                  <ApprovalView
                    key={item.id}
                    item={item}
                    canAnswer={!busy && turn?.id === item.turnId && turn.outcome === "completed"}
                    onAnswer={(approve) => onApproval(item.id, approve)}
                  />
                );
              case "error":
                return (
                  <ErrorMessage
                    key={item.id}
                    item={item}
                    onRetry={!busy && turn?.id === item.turnId && turn.outcome === "failed" ? onRetry : null}
                  />
                );
              case "notice":
                return (
                  <p key={item.id} className="text-center text-xs text-zinc-500">
                    {item.text}
                  </p>
                );
            }
          })}
          {waiting ? <ThinkingIndicator /> : null}
        </div>
      </div>
      {awayFromEnd ? (
        <button
          type="button"
          onClick={() => {
            const el = scroller.current;
            if (!el) return;
            stick.current = true;
            el.scrollTo({ top: el.scrollHeight, behavior: "smooth" });
          }}
          className="absolute bottom-3 left-1/2 -translate-x-1/2 rounded-full border border-zinc-300 bg-white px-3 py-1.5 text-sm shadow-md hover:bg-zinc-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-700"
        >
          ↓ Latest
        </button>
      ) : null}
    </div>
  );
}
