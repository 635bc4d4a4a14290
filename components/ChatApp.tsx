"use client";

import { isWaitingForFirstToken } from "@/lib/chat/reducer";
import { useChatStore } from "@/stores/chat-store";

import { Composer } from "./chat/Composer";
import { MessageList } from "./chat/Messages";

export function ChatApp() {
  const chat = useChatStore((s) => s.chat);
  const busy = useChatStore((s) => s.busy);
  const send = useChatStore((s) => s.send);
  const stop = useChatStore((s) => s.stop);
  const retry = useChatStore((s) => s.retry);
  const newChat = useChatStore((s) => s.newChat);
  const answerApproval = useChatStore((s) => s.answerApproval);

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
        </div>
      </header>
      <main className="flex min-h-0 flex-1 flex-col">
        <MessageList
          chat={chat}
          busy={busy}
          waiting={isWaitingForFirstToken(chat)}
          onRetry={retry}
          onApproval={answerApproval}
        />
        <Composer busy={busy} onSend={send} onStop={stop} />
      </main>
    </div>
  );
}
