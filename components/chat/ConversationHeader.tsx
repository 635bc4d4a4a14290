"use client";

import { useEffect, useRef, useState, type RefObject } from "react";

import { api, ApiError, type Conversation } from "@/lib/api";

import { conversationTitle } from "../sidebar/Sidebar";
import { usageWords } from "./Messages";

const headerButton =
  "rounded-md border border-zinc-300 px-3 py-1.5 text-sm font-medium hover:bg-zinc-100 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-700";

/** A file name from the title, for when the server's own name cannot be read (cross-origin). */
export function exportFileName(title: string, format: "json" | "markdown"): string {
  const base = title.trim().replace(/[^\p{L}\p{N}]+/gu, "-").replace(/^-+|-+$/g, "").slice(0, 60) || "conversation";
  return `${base}.${format === "json" ? "json" : "md"}`;
}

async function download(id: string, format: "json" | "markdown", title: string) {
  const { blob, filename: named } = await api.exportConversation(id, format);
  const filename = named ?? exportFileName(title, format);
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** The conversation's menu: export as Markdown or JSON. */
function ConversationMenu({ id, title }: { id: string; title: string }) {
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const button = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    menu.current?.querySelector<HTMLElement>("[role=menuitem]")?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") {
        e.stopPropagation();
        setOpen(false);
        button.current?.focus();
      }
    };
    const onClick = (e: MouseEvent) => {
      if (!menu.current?.contains(e.target as Node) && e.target !== button.current) setOpen(false);
    };
    window.addEventListener("keydown", onKey, true);
    window.addEventListener("mousedown", onClick);
    return () => {
      window.removeEventListener("keydown", onKey, true);
      window.removeEventListener("mousedown", onClick);
    };
  }, [open]);

  const choose = async (format: "json" | "markdown") => {
    setOpen(false);
    setError(null);
    try {
      await download(id, format, title);
    } catch (e) {
      setError(e instanceof ApiError ? e.message : "The export could not be made.");
    }
  };

  return (
    <div className="relative">
      <button
        ref={button}
        type="button"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-label="Conversation menu"
        onClick={() => setOpen((o) => !o)}
        className={headerButton}
      >
        <span aria-hidden="true">⋯</span>
      </button>
      {open ? (
        <div
          ref={menu}
          role="menu"
          aria-label="Conversation"
          className="absolute right-0 z-30 mt-1 w-48 rounded-md border border-zinc-200 bg-white py-1 text-sm shadow-lg"
        >
          <button type="button" role="menuitem" className="block w-full px-3 py-1.5 text-left hover:bg-zinc-100 focus:bg-zinc-100 focus:outline-none" onClick={() => void choose("markdown")}>
            Export as Markdown
          </button>
          <button type="button" role="menuitem" className="block w-full px-3 py-1.5 text-left hover:bg-zinc-100 focus:bg-zinc-100 focus:outline-none" onClick={() => void choose("json")}>
            Export as JSON
          </button>
        </div>
      ) : null}
      {error ? (
        <p role="alert" className="absolute right-0 mt-1 w-64 rounded bg-red-50 px-2 py-1 text-xs text-red-800">
          {error}
        </p>
      ) : null}
    </div>
  );
}

export function ConversationHeader({
  conversation,
  conversationId,
  drawerButton,
  drawerOpen,
  onOpenDrawer,
  toolsButton,
  toolsOpen,
  onToggleTools,
}: {
  conversation: Conversation | null;
  conversationId: string | null;
  drawerButton: RefObject<HTMLButtonElement | null>;
  drawerOpen: boolean;
  onOpenDrawer: () => void;
  toolsButton: RefObject<HTMLButtonElement | null>;
  toolsOpen: boolean;
  onToggleTools: () => void;
}) {
  const usage = conversation ? usageWords(conversation.usage, conversation.cost_usd) : null;
  return (
    <header className="flex items-center justify-between gap-2 border-b border-zinc-200 px-4 py-2">
      <div className="flex min-w-0 items-center gap-2">
        <button
          ref={drawerButton}
          type="button"
          aria-expanded={drawerOpen}
          aria-label="Conversations"
          onClick={onOpenDrawer}
          className={`${headerButton} md:hidden`}
        >
          <span aria-hidden="true">☰</span>
        </button>
        <h1 className="truncate text-base font-semibold">
          {conversationId ? (conversation ? conversationTitle(conversation) : "…") : "New chat"}
        </h1>
        {usage ? (
          <span className="hidden shrink-0 text-xs text-zinc-500 sm:inline" title={usage.long} data-testid="conversation-usage">
            {usage.short}
          </span>
        ) : null}
      </div>
      <div className="flex items-center gap-2">
        {conversationId && conversation ? <ConversationMenu id={conversationId} title={conversation.title} /> : null}
        <button
          ref={toolsButton}
          type="button"
          aria-expanded={toolsOpen}
          aria-controls="tools-panel"
          onClick={onToggleTools}
          className={`${headerButton} lg:hidden`}
        >
          Tools
        </button>
      </div>
    </header>
  );
}
