/**
 * Uploading files into a vector store: upload each file (multipart, with
 * progress), create the store once something arrived, then add the files to it.
 * One file failing never stops the others.
 */
import type { Api } from "./api";
import type { VectorStoreRef } from "./tools-state";

/** The backend's default limit (MAX_UPLOAD_BYTES); larger files are refused before sending. */
export const MAX_UPLOAD_BYTES = 32 * 1024 * 1024;

export type UploadStatus = "waiting" | "uploading" | "adding" | "done" | "failed";

export interface UploadState {
  key: string;
  name: string;
  size: number;
  progress: number;
  status: UploadStatus;
  error?: string;
}

export interface UploadableFile {
  name: string;
  size: number;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** Why a file cannot be sent, in words, or null when it can. */
export function refusalReason(file: UploadableFile, limit = MAX_UPLOAD_BYTES): string | null {
  if (file.size === 0) return "The file is empty.";
  if (file.size > limit) return `Too large (${formatBytes(file.size)}); the limit is ${formatBytes(limit)}.`;
  return null;
}

export function storeNameFor(files: UploadableFile[]): string {
  const first = files[0]?.name ?? "Files";
  return files.length > 1 ? `${first} and ${files.length - 1} more` : first;
}

type UploadApi = Pick<Api, "uploadFile" | "createVectorStore" | "addFileToVectorStore">;

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

export async function uploadIntoVectorStore<F extends File>(
  files: F[],
  existing: VectorStoreRef | null,
  api: UploadApi,
  onChange: (uploads: UploadState[]) => void,
  options: { limit?: number; concurrency?: number } = {},
): Promise<VectorStoreRef | null> {
  const stamp = Date.now().toString(36);
  let uploads: UploadState[] = files.map((file, i) => {
    const reason = refusalReason(file, options.limit);
    return {
      key: `${stamp}-${i}-${file.name}`,
      name: file.name,
      size: file.size,
      progress: 0,
      status: reason ? "failed" : "waiting",
      error: reason ?? undefined,
    };
  });
  const patch = (index: number, change: Partial<UploadState>) => {
    uploads = uploads.map((u, i) => (i === index ? { ...u, ...change } : u));
    onChange(uploads);
  };
  onChange(uploads);

  // 1. upload, a few at a time
  const fileIds: (string | null)[] = files.map(() => null);
  const queue = files.map((_, i) => i).filter((i) => uploads[i]?.status === "waiting");
  const worker = async () => {
    for (let index = queue.shift(); index !== undefined; index = queue.shift()) {
      const file = files[index] as F;
      patch(index, { status: "uploading" });
      try {
        const uploaded = await api.uploadFile(file, (fraction) => patch(index, { progress: fraction }));
        fileIds[index] = uploaded.id;
        patch(index, { progress: 1, status: "adding" });
      } catch (error) {
        patch(index, { status: "failed", error: messageOf(error) });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 2) }, worker));

  const uploaded = fileIds.flatMap((id, index) => (id ? [{ id, index }] : []));
  if (!uploaded.length) return existing;

  // 2. the store, made only once there is something to put in it
  let store: VectorStoreRef;
  if (existing) {
    store = existing;
  } else {
    try {
      const created = await api.createVectorStore(storeNameFor(uploaded.map(({ index }) => files[index] as F)));
      store = { id: created.id, name: created.name || "Vector store", files: [] };
    } catch (error) {
      for (const { index } of uploaded) patch(index, { status: "failed", error: `Could not create the vector store: ${messageOf(error)}` });
      return existing;
    }
  }

  // 3. add each file
  const added: { id: string; name: string }[] = [];
  for (const { id, index } of uploaded) {
    try {
      await api.addFileToVectorStore(store.id, id);
      added.push({ id, name: files[index]?.name ?? id });
      patch(index, { status: "done" });
    } catch (error) {
      patch(index, { status: "failed", error: `Uploaded, but not added to the store: ${messageOf(error)}` });
    }
  }
  return { ...store, files: [...(store.files ?? []), ...added] };
}
