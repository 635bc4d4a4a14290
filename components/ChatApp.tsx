"use client";

import { usePathname, useRouter } from "next/navigation";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";

import { api, ApiError } from "@/lib/api";
import { viewMessages } from "@/lib/conversations/messages";
import { choiceFor, findModel } from "@/lib/conversations/model-choice";
import { readOAuthReturn, takeReturnPath, withoutOAuthParams, type OAuthReturn } from "@/lib/google-return";
import { useFetched } from "@/lib/use-fetched";
import { isBusy, useConversationStore } from "@/stores/conversation-store";
import { useGoogleStore } from "@/stores/google-store";
import { useSidebarStore } from "@/stores/sidebar-store";
import { useToolsStore } from "@/stores/tools-store";

import { Composer } from "./chat/Composer";
import { ConversationHeader } from "./chat/ConversationHeader";
import { MessageList } from "./chat/Messages";
import { ModelPicker } from "./chat/ModelPicker";
import { AccountMenu } from "./AccountMenu";
import { FirstRunNotice } from "./FirstRunNotice";
import { Sidebar, UndoToasts } from "./sidebar/Sidebar";
import { ToolsPanel } from "./tools/ToolsPanel";

/** `/c/<id>` names a conversation; anything else is a new chat. */
export function conversationIdFrom(pathname: string | null): string | null {
  const match = /^\/c\/([^/]+)\/?$/.exec(pathname ?? "");
  return match?.[1] ? decodeURIComponent(match[1]) : null;
}

function useEscape(active: boolean, close: () => void) {
  useEffect(() => {
    if (!active) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") close();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [active, close]);
}

export function ChatApp() {
  const pathname = usePathname();
  const router = useRouter();
  const routeId = conversationIdFrom(pathname);
  // A chat started at `/` is this conversation until the URL names it (the browser's own
  // history then takes over: back to `/` is a new chat again).
  const [created, setCreated] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  // New chat and the sidebar's links show their conversation at once: the URL follows a moment
  // later, and a message typed in between must go where the person is looking.
  const [target, setTarget] = useState<{ id: string | null } | null>(null);
  const [seenPath, setSeenPath] = useState(pathname);
  if (pathname !== seenPath) {
    setSeenPath(pathname);
    setCreated(null);
    setTarget(null);
  }
  const currentId = target ? target.id : (routeId ?? created);

  const open = useConversationStore((s) => (currentId ? s.open[currentId] : undefined));
  const errors = useConversationStore((s) => s.errors);
  const models = useConversationStore((s) => s.models);
  const choices = useConversationStore((s) => s.choices);
  const store = useConversationStore;

  const [toolsOpen, setToolsOpen] = useState(false);
  const [drawerOpen, setDrawerOpen] = useState(false);
  const [oauthReturn, setOAuthReturn] = useState<OAuthReturn | null>(null);
  const [sendError, setSendError] = useState<string | null>(null);
  const [importError, setImportError] = useState<string | null>(null);
  const toolsDrawer = useRef<HTMLElement>(null);
  const toolsButton = useRef<HTMLButtonElement>(null);
  const nav = useRef<HTMLElement>(null);
  const drawerButton = useRef<HTMLButtonElement>(null);
  const search = useRef<HTMLInputElement>(null);

  const health = useFetched("health", () => api.health());
  const noKey = health.data?.openai_configured === false;

  useEffect(() => {
    void useToolsStore.persist.rehydrate();
    const result = readOAuthReturn(window.location.search);
    if (result) {
      // Shown once, then the URL is cleaned so a reload does not repeat it; the conversation
      // open before the trip to Google opens again.
      const back = takeReturnPath(sessionStorage);
      if (back) router.replace(back);
      else window.history.replaceState(null, "", withoutOAuthParams(window.location.href));
      queueMicrotask(() => setOAuthReturn(result));
    }
    void useGoogleStore.getState().refresh();
    void useSidebarStore.getState().loadFirst();
    void useConversationStore.getState().loadModels();
  }, [router]);

  useEffect(() => {
    if (currentId) void useConversationStore.getState().openConversation(currentId);
  }, [currentId]);

  // A conversation deleted from the sidebar while open: back to a new chat.
  const deleted = useSidebarStore((s) => s.deleted);
  useEffect(() => {
    if (currentId && deleted.some((d) => d.summary.id === currentId)) router.push("/");
  }, [currentId, deleted, router]);

  const closeTools = useCallback(() => {
    setToolsOpen(false);
    toolsButton.current?.focus();
  }, []);
  const closeDrawer = useCallback(() => {
    setDrawerOpen(false);
    drawerButton.current?.focus();
  }, []);
  useEscape(toolsOpen, closeTools);
  useEscape(drawerOpen, closeDrawer);

  useEffect(() => {
    if (toolsOpen) toolsDrawer.current?.focus();
  }, [toolsOpen]);
  // Opening the drawer moves the focus into it: to the search when Ctrl+K opened it.
  const searchWanted = useRef(false);
  useEffect(() => {
    if (!drawerOpen) return;
    if (searchWanted.current) {
      searchWanted.current = false;
      search.current?.focus();
    } else nav.current?.focus();
  }, [drawerOpen]);

  const drawerOpenRef = useRef(drawerOpen);
  useEffect(() => {
    drawerOpenRef.current = drawerOpen;
  }, [drawerOpen]);

  // Ctrl+K (Cmd+K on a Mac) goes to the search, opening the drawer on a narrow screen.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === "k") {
        e.preventDefault();
        const narrow = typeof window.matchMedia === "function" && window.matchMedia("(max-width: 767px)").matches;
        if (narrow && !drawerOpenRef.current) {
          searchWanted.current = true;
          setDrawerOpen(true);
        } else search.current?.focus();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  const busy = creating || isBusy(open);
  const conversation = open?.conversation ?? null;
  const errorMap = useMemo(() => new Map(Object.entries(errors)), [errors]);
  const messages = useMemo(
    () => (currentId ? viewMessages(conversation?.messages ?? [], open?.pending ?? null, errorMap) : []),
    [currentId, conversation, open?.pending, errorMap],
  );
  // A choice made here, else the model of the last answer, else the server's default.
  const choice = models ? choiceFor(models, choices[currentId ?? "new"], conversation?.messages) : null;
  const modelLabel = useCallback((id: string) => findModel(models, id)?.label || id, [models]);

  const onSend = async (text: string) => {
    setSendError(null);
    if (currentId) {
      await store.getState().send(currentId, text);
      return;
    }
    setCreating(true);
    try {
      const id = await store.getState().send(null, text);
      if (id) {
        setTarget(null);
        setCreated(id);
        router.replace(`/c/${id}`);
      }
    } catch (error) {
      setSendError(error instanceof ApiError ? error.message : String(error));
    } finally {
      setCreating(false);
    }
  };

  const onNewChat = () => {
    setDrawerOpen(false);
    if (pathname !== "/") setTarget({ id: null });
    else setCreated(null);
    setSendError(null);
    router.push("/");
  };

  const onImport = async (file: File) => {
    setImportError(null);
    try {
      const parsed: unknown = JSON.parse(await file.text());
      const conversation = await api.importConversation(parsed);
      useSidebarStore.getState().touch(conversation);
      setDrawerOpen(false);
      router.push(`/c/${conversation.id}`);
    } catch (error) {
      setImportError(
        error instanceof ApiError ? error.message : "That file could not be read as a conversation export (JSON).",
      );
    }
  };

  return (
    <div className="flex h-dvh">
      {drawerOpen ? (
        <div aria-hidden="true" className="fixed inset-0 z-20 bg-black/30 md:hidden" onClick={closeDrawer} />
      ) : null}
      <nav
        ref={nav}
        tabIndex={-1}
        aria-label="Conversations"
        className={`${
          drawerOpen ? "fixed inset-y-0 left-0 z-30 flex w-[min(20rem,85vw)] shadow-xl" : "hidden"
        } flex-col border-r border-zinc-200 bg-zinc-50 focus:outline-none md:static md:z-auto md:flex md:w-72 md:shadow-none`}
      >
        <div className="flex items-center justify-between px-3 pt-3">
          <span className="text-sm font-semibold">Responses chat</span>
          {drawerOpen ? (
            <button type="button" onClick={closeDrawer} className="rounded-md px-2 py-1 text-sm hover:bg-zinc-200 md:hidden">
              Close
            </button>
          ) : null}
        </div>
        <Sidebar
          currentId={currentId}
          searchRef={search}
          onNewChat={onNewChat}
          onNavigate={(id) => {
            setDrawerOpen(false);
            // Always, even when the URL seems to name it already: a navigation still in flight
            // (to another conversation) may be overtaken by this one, and the path the view
            // would otherwise wait for then never changes.
            setTarget({ id });
          }}
          onImport={(file) => void onImport(file)}
          importError={importError}
        />
        <AccountMenu />
      </nav>
      <div className="flex min-w-0 flex-1 flex-col">
        <ConversationHeader
          conversation={currentId ? conversation : null}
          conversationId={currentId}
          drawerButton={drawerButton}
          drawerOpen={drawerOpen}
          onOpenDrawer={() => setDrawerOpen(true)}
          toolsButton={toolsButton}
          toolsOpen={toolsOpen}
          onToggleTools={() => setToolsOpen((o) => !o)}
        />
        <FirstRunNotice openaiConfigured={health.data?.openai_configured} />
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
            {open?.loadError && !conversation ? (
              <p role="alert" className="mx-auto mt-16 max-w-md px-4 text-center text-sm text-red-800">
                {open.loadError}
              </p>
            ) : null}
            <MessageList
              key={currentId ?? "new"}
              messages={messages}
              greeting={!currentId}
              busy={busy}
              modelLabel={modelLabel}
              onEdit={(messageId, text) => currentId && void store.getState().edit(currentId, messageId, text)}
              onRegenerate={(answerId) => currentId && void store.getState().regenerate(currentId, answerId)}
              onRetry={() => currentId && void store.getState().retry(currentId)}
              onSwitch={(messageId) => currentId && void store.getState().switchVersion(currentId, messageId)}
              onApproval={(requestId, approve) =>
                currentId && void store.getState().answerApproval(currentId, requestId, approve)
              }
            />
            {sendError ? (
              <p role="alert" className="mx-auto w-full max-w-3xl px-4 text-sm text-red-800">
                {sendError}
              </p>
            ) : null}
            <Composer
              busy={busy}
              blocked={noKey}
              onSend={(text) => void onSend(text)}
              onStop={() => currentId && void store.getState().stop(currentId)}
              toolbar={
                <ModelPicker
                  models={models}
                  choice={choice}
                  disabled={busy}
                  onChange={(change) => store.getState().setChoice(currentId, change)}
                />
              }
            />
          </main>
          {toolsOpen ? (
            <div aria-hidden="true" className="fixed inset-0 z-20 bg-black/30 lg:hidden" onClick={closeTools} />
          ) : null}
          <aside
            id="tools-panel"
            ref={toolsDrawer}
            tabIndex={-1}
            aria-label="Tools"
            className={`${
              toolsOpen ? "fixed inset-y-0 right-0 z-30 flex w-[min(24rem,100vw)] shadow-xl" : "hidden"
            } flex-col overflow-y-auto border-l border-zinc-200 bg-white focus:outline-none lg:static lg:z-auto lg:flex lg:w-96 lg:shadow-none`}
          >
            <div className="flex items-center justify-between border-b border-zinc-200 px-4 py-2">
              <h2 className="font-semibold">Tools</h2>
              <button type="button" onClick={closeTools} className="rounded-md px-2 py-1 text-sm hover:bg-zinc-100 lg:hidden">
                Close
              </button>
            </div>
            <ToolsPanel />
          </aside>
        </div>
      </div>
      <UndoToasts />
    </div>
  );
}
