"use client";

import Link from "next/link";
import { useEffect, useMemo, useRef, useState, type RefObject } from "react";

import type { ConversationSummary } from "@/lib/api";
import { groupByDay } from "@/lib/conversations/grouping";
import { useSidebarStore } from "@/stores/sidebar-store";

const smallButton =
  "rounded px-1.5 py-0.5 text-xs text-zinc-600 hover:bg-zinc-200 hover:text-zinc-900 focus-visible:outline-2 focus-visible:outline-offset-1 focus-visible:outline-sky-700";

export function conversationTitle(summary: Pick<ConversationSummary, "title">): string {
  return summary.title.trim() || "New conversation";
}

function RenameField({ summary, onDone }: { summary: ConversationSummary; onDone: () => void }) {
  const [value, setValue] = useState(summary.title);
  const rename = useSidebarStore((s) => s.rename);
  const done = useRef(false);
  const finish = (save: boolean) => {
    if (done.current) return;
    done.current = true;
    if (save) void rename(summary.id, value);
    onDone();
  };
  return (
    <input
      aria-label="Conversation title"
      value={value}
      autoFocus
      maxLength={200}
      onFocus={(e) => e.currentTarget.select()}
      onChange={(e) => setValue(e.target.value)}
      onKeyDown={(e) => {
        if (e.key === "Enter") {
          e.preventDefault();
          finish(true);
        } else if (e.key === "Escape") {
          e.preventDefault();
          e.stopPropagation();
          finish(false);
        }
      }}
      onBlur={() => finish(true)}
      className="min-w-0 flex-1 rounded border border-sky-600 bg-white px-2 py-1 text-sm focus:outline-none focus:ring-2 focus:ring-sky-600/30"
    />
  );
}

function ConversationRow({
  summary,
  current,
  onNavigate,
}: {
  summary: ConversationSummary;
  current: boolean;
  onNavigate: (id: string) => void;
}) {
  const [renaming, setRenaming] = useState(false);
  const remove = useSidebarStore((s) => s.remove);
  const title = conversationTitle(summary);
  return (
    <li className={`group rounded-md ${current ? "bg-zinc-200" : "hover:bg-zinc-100"}`}>
      <div className="flex items-center gap-1 px-2 py-1.5">
        {renaming ? (
          <RenameField summary={summary} onDone={() => setRenaming(false)} />
        ) : (
          <Link
            href={`/c/${summary.id}`}
            aria-current={current ? "page" : undefined}
            onClick={(e) => {
              // A plain click opens it here; a click for a new tab or window leaves this view as it is.
              if (e.button === 0 && !e.metaKey && !e.ctrlKey && !e.shiftKey && !e.altKey) onNavigate(summary.id);
            }}
            className="min-w-0 flex-1 rounded text-sm focus-visible:outline-2 focus-visible:outline-offset-1 focus-visible:outline-sky-700"
          >
            <span className="block truncate">{title}</span>
            {summary.snippet ? <span className="block truncate text-xs text-zinc-500">{summary.snippet}</span> : null}
          </Link>
        )}
        {renaming ? null : (
          <span className="flex shrink-0 gap-0.5 opacity-100 md:opacity-0 md:group-focus-within:opacity-100 md:group-hover:opacity-100">
            <button type="button" aria-label="Rename" title={`Rename “${title}”`} className={smallButton} onClick={() => setRenaming(true)}>
              <span aria-hidden="true">✎</span>
            </button>
            <button type="button" aria-label="Delete" title={`Delete “${title}”`} className={smallButton} onClick={() => remove(summary.id)}>
              <span aria-hidden="true">🗑</span>
            </button>
          </span>
        )}
      </div>
    </li>
  );
}

/** Loads the next page when the end of the list scrolls into view. */
function useInfiniteScroll(sentinel: RefObject<HTMLElement | null>, enabled: boolean, loadMore: () => void) {
  useEffect(() => {
    const el = sentinel.current;
    if (!el || !enabled || typeof IntersectionObserver === "undefined") return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) loadMore();
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, [sentinel, enabled, loadMore]);
}

export interface SidebarProps {
  currentId: string | null;
  searchRef: RefObject<HTMLInputElement | null>;
  onNewChat: () => void;
  /** A conversation's link was followed: it shows at once, before the URL has changed. */
  onNavigate: (id: string) => void;
  onImport: (file: File) => void;
  importError: string | null;
}

export function Sidebar({ currentId, searchRef, onNewChat, onNavigate, onImport, importError }: SidebarProps) {
  const items = useSidebarStore((s) => s.items);
  const loading = useSidebarStore((s) => s.loading);
  const error = useSidebarStore((s) => s.error);
  const nextCursor = useSidebarStore((s) => s.nextCursor);
  const query = useSidebarStore((s) => s.query);
  const search = useSidebarStore((s) => s.search);
  const loadMore = useSidebarStore((s) => s.loadMore);
  const [typed, setTyped] = useState(query);
  const sentinel = useRef<HTMLLIElement>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  // "Today" moves at midnight; a render a day later is rare enough to read the clock here.
  const groups = useMemo(() => groupByDay(items, new Date()), [items]);

  useInfiniteScroll(sentinel, nextCursor !== null && !loading, () => void loadMore());

  return (
    <div className="flex h-full min-h-0 flex-col">
      <div className="space-y-2 border-b border-zinc-200 p-3">
        <button
          type="button"
          onClick={onNewChat}
          className="w-full rounded-md border border-zinc-300 bg-white px-3 py-1.5 text-sm font-medium hover:bg-zinc-100 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-700"
        >
          New chat
        </button>
        <input
          ref={searchRef}
          type="search"
          aria-label="Search conversations"
          placeholder="Search (Ctrl+K)"
          value={typed}
          onChange={(e) => {
            setTyped(e.target.value);
            void search(e.target.value.trim());
          }}
          className="w-full rounded-md border border-zinc-300 bg-white px-2 py-1.5 text-sm focus:border-sky-600 focus:outline-none focus:ring-2 focus:ring-sky-600/30"
        />
      </div>
      <div className="min-h-0 flex-1 overflow-y-auto px-2 py-2">
        {error ? (
          <p role="alert" className="px-2 py-1 text-xs text-red-700">
            {error}
          </p>
        ) : null}
        {!loading && !items.length && !error ? (
          <p className="px-2 py-1 text-sm text-zinc-500">{query ? "Nothing found." : "No conversations yet."}</p>
        ) : null}
        {groups.map((group) => (
          <section key={group.label} aria-labelledby={`group-${group.label}`} className="mb-3">
            <h2 id={`group-${group.label}`} className="px-2 pb-1 text-xs font-medium text-zinc-500">
              {group.label}
            </h2>
            <ul className="space-y-0.5">
              {group.items.map((summary) => (
                <ConversationRow
                  key={summary.id}
                  summary={summary}
                  current={summary.id === currentId}
                  onNavigate={onNavigate}
                />
              ))}
            </ul>
          </section>
        ))}
        <ul aria-hidden={nextCursor === null}>
          <li ref={sentinel} className="h-4">
            {loading ? <span className="px-2 text-xs text-zinc-500">Loading…</span> : null}
          </li>
        </ul>
      </div>
      <div className="flex items-center justify-between gap-2 border-t border-zinc-200 p-3 text-sm">
        <Link href="/usage" className="text-sky-700 underline-offset-2 hover:underline">
          Usage
        </Link>
        <button type="button" className="text-sky-700 underline-offset-2 hover:underline" onClick={() => fileInput.current?.click()}>
          Import JSON
        </button>
        <input
          ref={fileInput}
          type="file"
          accept="application/json,.json"
          aria-label="Import a conversation"
          className="hidden"
          onChange={(e) => {
            const file = e.target.files?.[0];
            e.target.value = "";
            if (file) onImport(file);
          }}
        />
      </div>
      {importError ? (
        <p role="alert" className="px-3 pb-2 text-xs text-red-700">
          {importError}
        </p>
      ) : null}
    </div>
  );
}

/** "Deleted. Undo" while a delete waits its few seconds. */
export function UndoToasts() {
  const deleted = useSidebarStore((s) => s.deleted);
  const undo = useSidebarStore((s) => s.undo);
  if (!deleted.length) return null;
  return (
    <div className="pointer-events-none fixed bottom-4 left-4 z-40 flex flex-col gap-2">
      {deleted.map(({ summary }) => (
        <div
          key={summary.id}
          role="status"
          className="pointer-events-auto flex items-center gap-3 rounded-md bg-zinc-900 px-3 py-2 text-sm text-white shadow-lg"
        >
          <span className="max-w-[16rem] truncate">Deleted “{conversationTitle(summary)}”</span>
          <button type="button" className="font-medium text-sky-300 hover:underline" onClick={() => undo(summary.id)}>
            Undo
          </button>
        </div>
      ))}
    </div>
  );
}
