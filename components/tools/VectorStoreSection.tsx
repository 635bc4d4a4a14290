"use client";

import { useCallback, useRef, useState, type DragEvent } from "react";

import { api } from "@/lib/api";
import type { VectorStoreRef } from "@/lib/tools-state";
import { useFetched } from "@/lib/use-fetched";
import { formatBytes, uploadIntoVectorStore, type UploadState } from "@/lib/uploads";
import { useToolsStore } from "@/stores/tools-store";

import { CopyButton } from "../chat/Markdown";
import { buttonClass, primaryButtonClass } from "./controls";

const STATUS_WORDS: Record<string, string> = {
  in_progress: "Processing…",
  completed: "Ready",
  failed: "Failed",
  cancelled: "Cancelled",
};

function UploadRow({ upload }: { upload: UploadState }) {
  const percent = Math.round(upload.progress * 100);
  const words = {
    waiting: "Waiting",
    uploading: `Uploading ${percent}%`,
    adding: "Adding to the store…",
    done: "Added",
    failed: "Failed",
  }[upload.status];
  return (
    <li className="space-y-1 text-xs">
      <div className="flex justify-between gap-2">
        <span className="truncate font-medium" title={upload.name}>
          {upload.name}
        </span>
        <span className={upload.status === "failed" ? "text-red-700" : "text-zinc-500"}>{words}</span>
      </div>
      {upload.status !== "failed" ? (
        <div
          role="progressbar"
          aria-label={`Upload of ${upload.name}`}
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={percent}
          className="h-1.5 overflow-hidden rounded bg-zinc-200"
        >
          <div className="h-full bg-sky-600 transition-[width]" style={{ width: `${percent}%` }} />
        </div>
      ) : (
        <p className="text-red-700">
          {upload.name}: {upload.error}
        </p>
      )}
      <span className="sr-only">{formatBytes(upload.size)}</span>
    </li>
  );
}

function FilePicker({ label, onFiles, disabled }: { label: string; onFiles: (files: File[]) => void; disabled?: boolean }) {
  const input = useRef<HTMLInputElement>(null);
  return (
    <>
      <input
        ref={input}
        type="file"
        multiple
        className="sr-only"
        aria-hidden="true"
        tabIndex={-1}
        disabled={disabled}
        onChange={(e) => {
          const files = Array.from(e.target.files ?? []);
          e.target.value = "";
          if (files.length) onFiles(files);
        }}
      />
      <button type="button" className={buttonClass} disabled={disabled} onClick={() => input.current?.click()}>
        {label}
      </button>
    </>
  );
}

function StoreFiles({ store }: { store: VectorStoreRef }) {
  const fileCount = store.files?.length ?? 0;
  const { data, error, reload } = useFetched(
    `${store.id}:${fileCount}`,
    () => api.listVectorStoreFiles(store.id),
    // Files are processed in the background: look again while any is still in progress.
    { pollWhile: (page) => page.data.some((f) => f.status === "in_progress") },
  );
  const files = data?.data ?? null;

  const names = new Map((store.files ?? []).map((f) => [f.id, f.name]));
  return (
    <div className="space-y-1">
      <div className="flex items-center justify-between">
        <h4 className="text-xs font-medium uppercase tracking-wide text-zinc-500">Files</h4>
        <button type="button" className="text-xs text-sky-700 hover:underline" onClick={reload}>
          Refresh
        </button>
      </div>
      {error ? <p className="text-xs text-red-700">Could not list the files: {error}</p> : null}
      {files === null && !error ? <p className="text-xs text-zinc-500">Loading…</p> : null}
      {files && files.length === 0 ? <p className="text-xs text-zinc-500">No files yet.</p> : null}
      {files && files.length ? (
        <ul aria-label="Files in the vector store" className="space-y-1 text-xs">
          {files.map((f) => (
            <li key={f.id} className="flex justify-between gap-2">
              <span className="truncate" title={f.id}>
                {names.get(f.id) ?? f.id}
              </span>
              <span className={f.status === "failed" ? "text-red-700" : "text-zinc-500"}>
                {STATUS_WORDS[f.status ?? ""] ?? f.status ?? ""}
                {f.status === "failed" && f.last_error?.message ? `: ${f.last_error.message}` : ""}
              </span>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

export function VectorStoreSection() {
  const store = useToolsStore((s) => s.vectorStore);
  const setVectorStore = useToolsStore((s) => s.setVectorStore);
  const [uploads, setUploads] = useState<UploadState[]>([]);
  const [busy, setBusy] = useState(false);
  const [dragging, setDragging] = useState(false);
  const [linkId, setLinkId] = useState("");
  const [linkError, setLinkError] = useState<string | null>(null);
  const [linking, setLinking] = useState(false);

  const upload = useCallback(
    async (files: File[]) => {
      setBusy(true);
      try {
        const current = useToolsStore.getState().vectorStore;
        const next = await uploadIntoVectorStore(files, current, api, setUploads);
        if (next) setVectorStore(next);
      } finally {
        setBusy(false);
      }
    },
    [setVectorStore],
  );

  const link = async () => {
    const id = linkId.trim();
    if (!id) return;
    setLinking(true);
    setLinkError(null);
    try {
      const found = await api.retrieveVectorStore(id);
      setVectorStore({ id: found.id, name: found.name || found.id, files: [] });
      setLinkId("");
      setUploads([]);
    } catch (e) {
      setLinkError(e instanceof Error ? e.message : String(e));
    } finally {
      setLinking(false);
    }
  };

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    const files = Array.from(e.dataTransfer.files);
    if (files.length && !busy) void upload(files);
  };

  return (
    <div
      className={`space-y-3 rounded-md border border-dashed p-3 ${dragging ? "border-sky-600 bg-sky-50" : "border-zinc-300"}`}
      onDragOver={(e) => {
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={onDrop}
    >
      {store ? (
        <div className="space-y-2">
          <div>
            <div className="text-sm font-medium">{store.name}</div>
            <div className="flex items-center gap-1 text-xs text-zinc-500">
              <code className="truncate" aria-label="Vector store ID">
                {store.id}
              </code>
              <span className="rounded bg-zinc-800">
                <CopyButton text={store.id} label="Copy vector store ID" />
              </span>
            </div>
          </div>
          <StoreFiles store={store} />
          <div className="flex flex-wrap gap-2">
            <FilePicker label="Add files" onFiles={(f) => void upload(f)} disabled={busy} />
            <button
              type="button"
              className={buttonClass}
              disabled={busy}
              onClick={() => {
                setVectorStore(null);
                setUploads([]);
              }}
            >
              Unlink
            </button>
          </div>
        </div>
      ) : (
        <div className="space-y-3">
          <p className="text-xs text-zinc-600">
            Drop files here, or choose them, to create a vector store the model can search.
          </p>
          <FilePicker label="Upload files" onFiles={(f) => void upload(f)} disabled={busy} />
          <div className="space-y-1">
            <label htmlFor="link-vector-store" className="block text-xs font-medium text-zinc-700">
              Link an existing vector store by ID
            </label>
            <div className="flex gap-2">
              <input
                id="link-vector-store"
                value={linkId}
                placeholder="vs_..."
                aria-invalid={linkError ? true : undefined}
                onChange={(e) => setLinkId(e.target.value)}
                onKeyDown={(e) => {
                  if (e.key === "Enter") {
                    e.preventDefault();
                    void link();
                  }
                }}
                className="min-w-0 flex-1 rounded-md border border-zinc-300 px-2 py-1.5 text-sm focus:border-sky-600 focus:outline-none focus:ring-2 focus:ring-sky-600/30"
              />
              <button type="button" className={primaryButtonClass} disabled={!linkId.trim() || linking} onClick={() => void link()}>
                {linking ? "Checking…" : "Link"}
              </button>
            </div>
            {linkError ? <p className="text-xs text-red-700">Could not link that vector store: {linkError}</p> : null}
          </div>
        </div>
      )}
      {uploads.length ? (
        <ul aria-label="Uploads" className="space-y-2">
          {uploads.map((u) => (
            <UploadRow key={u.key} upload={u} />
          ))}
        </ul>
      ) : null}
    </div>
  );
}
