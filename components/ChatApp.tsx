"use client";

import { useEffect, useRef, useState } from "react";

import { isWaitingForFirstToken } from "@/lib/chat/reducer";
import { readOAuthReturn, withoutOAuthParams, type OAuthReturn } from "@/lib/google-return";
import { useChatStore } from "@/stores/chat-store";
import { useGoogleStore } from "@/stores/google-store";
import { useToolsStore } from "@/stores/tools-store";

import { Composer } from "./chat/Composer";
import { MessageList } from "./chat/Messages";
import { ToolsPanel } from "./tools/ToolsPanel";

export function ChatApp() {
  const chat = useChatStore((s) => s.chat);
  const busy = useChatStore((s) => s.busy);
  const send = useChatStore((s) => s.send);
  const stop = useChatStore((s) => s.stop);
  const retry = useChatStore((s) => s.retry);
  const newChat = useChatStore((s) => s.newChat);
  const answerApproval = useChatStore((s) => s.answerApproval);
  const [toolsOpen, setToolsOpen] = useState(false);
  const [oauthReturn, setOAuthReturn] = useState<OAuthReturn | null>(null);
  const drawer = useRef<HTMLElement>(null);
  const toolsButton = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    void useToolsStore.persist.rehydrate();
    const result = readOAuthReturn(window.location.search);
    if (result) {
      useChatStore.getState().restoreAfterNavigation();
      // Shown once, then the URL is cleaned so a reload does not repeat it.
      window.history.replaceState(null, "", withoutOAuthParams(window.location.href));
      queueMicrotask(() => setOAuthReturn(result));
    }
    void useGoogleStore.getState().refresh();
  }, []);

  useEffect(() => {
    if (!toolsOpen) return;
    drawer.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") {
        setToolsOpen(false);
        toolsButton.current?.focus();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [toolsOpen]);

  return (
    <div className="flex h-dvh flex-col">
      <header className="flex items-center justify-between gap-2 border-b border-zinc-200 px-4 py-2">
        <h1 className="text-base font-semibold">Responses chat</h1>
        <div className="flex items-center gap-2">
          <button
            type="button"
            onClick={newChat}
            className="rounded-md border border-zinc-300 px-3 py-1.5 text-sm font-medium hover:bg-zinc-100 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-700"
          >
            New chat
          </button>
          <button
            ref={toolsButton}
            type="button"
            aria-expanded={toolsOpen}
            aria-controls="tools-panel"
            onClick={() => setToolsOpen((o) => !o)}
            className="rounded-md border border-zinc-300 px-3 py-1.5 text-sm font-medium hover:bg-zinc-100 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-700 lg:hidden"
          >
            Tools
          </button>
        </div>
      </header>
      {oauthReturn ? (
        <div
          role={oauthReturn.ok ? "status" : "alert"}
          className={`flex items-start justify-between gap-3 px-4 py-2 text-sm ${
            oauthReturn.ok ? "bg-emerald-50 text-emerald-900" : "bg-red-50 text-red-900"
          }`}
        >
          <span>{oauthReturn.message}</span>
          <button type="button" className="underline" onClick={() => setOAuthReturn(null)}>
            Dismiss
          </button>
        </div>
      ) : null}
      <div className="flex min-h-0 flex-1">
        <main className="flex min-h-0 min-w-0 flex-1 flex-col">
          <MessageList
            chat={chat}
            busy={busy}
            waiting={isWaitingForFirstToken(chat)}
            onRetry={retry}
            onApproval={answerApproval}
          />
          <Composer busy={busy} onSend={send} onStop={stop} />
        </main>
        {toolsOpen ? (
          <div aria-hidden="true" className="fixed inset-0 z-20 bg-black/30 lg:hidden" onClick={() => setToolsOpen(false)} />
        ) : null}
        <aside
          id="tools-panel"
          ref={drawer}
          tabIndex={-1}
          aria-label="Tools"
          className={`${
            toolsOpen ? "fixed inset-y-0 right-0 z-30 flex w-[min(24rem,100vw)] shadow-xl" : "hidden"
          } flex-col overflow-y-auto border-l border-zinc-200 bg-white focus:outline-none lg:static lg:z-auto lg:flex lg:w-96 lg:shadow-none`}
        >
          <div className="flex items-center justify-between border-b border-zinc-200 px-4 py-2">
            <h2 className="font-semibold">Tools</h2>
            <button
              type="button"
              onClick={() => {
                setToolsOpen(false);
                toolsButton.current?.focus();
              }}
              className="rounded-md px-2 py-1 text-sm hover:bg-zinc-100 lg:hidden"
            >
              Close
            </button>
          </div>
          <ToolsPanel />
        </aside>
      </div>
    </div>
  );
}
