import { API_BASE_URL, credentialsFor } from "./api-config";
import { getString, isObject, type JsonObject } from "./json";
import { readEventStream, type StreamEvent } from "./sse";
import type { ToolsState } from "./tools-state";

/** A failed call, with a message meant for people. `status` 0: never reached the server. */
export class ApiError extends Error {
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.name = "ApiError";
    this.status = status;
  }
}

export type QueryValue = string | number | boolean | null | undefined;

export interface VectorStore extends JsonObject {
  id: string;
  name: string;
}

export interface VectorStoreFile extends JsonObject {
  id: string;
  status?: string;
  last_error?: { code?: string; message?: string } | null;
}

export interface UploadedFile extends JsonObject {
  id: string;
  filename?: string;
  bytes?: number;
}

export interface GoogleStatus {
  connected: boolean;
  oauthConfigured: boolean;
}

/** GET /api/access: whether this deployment needs ACCESS_TOKEN, and whether this browser has it. */
export interface AccessStatus {
  required: boolean;
  granted: boolean;
}

export interface ContainerFileRef {
  fileId: string;
  containerId?: string;
  filename?: string;
}

type FetchLike = typeof fetch;

export interface ApiOptions {
  baseUrl?: string;
  fetch?: FetchLike;
  /** Uploads with progress need XMLHttpRequest; tests may swap it. */
  xhr?: () => XMLHttpRequest;
}

const UNREACHABLE = "Could not reach the server. Check your connection and try again.";

function statusMessage(status: number): string {
  if (status === 401 || status === 403) return `The server refused the request (${status}).`;
  if (status === 404) return "The server does not know this route (404).";
  if (status === 429) return "Too many requests right now (429). Wait a moment and try again.";
  if (status >= 500) return `The server had a problem (${status}). Try again in a moment.`;
  return `The request failed (${status}).`;
}

/** Reads the contract's `{"error": "..."}` body; falls back to words for the status. */
export async function errorFromResponse(response: Response): Promise<ApiError> {
  let message: string | undefined;
  try {
    const text = await response.text();
    try {
      const body: unknown = JSON.parse(text);
      const error = isObject(body) ? body.error : undefined;
      if (typeof error === "string") message = error;
      else if (isObject(error)) message = getString(error, "message");
      else if (isObject(body)) message = getString(body, "detail") ?? getString(body, "message");
    } catch {
      // Not JSON: a proxy's error page, say. The status says enough.
    }
  } catch {
    // Body unreadable.
  }
  let text = message?.trim() || statusMessage(response.status);
  const retryAfter = Number(response.headers.get("Retry-After"));
  if (Number.isFinite(retryAfter) && retryAfter > 0) {
    if (!/[.!?]$/.test(text)) text += ".";
    text += ` You can try again in ${Math.ceil(retryAfter)} second${Math.ceil(retryAfter) === 1 ? "" : "s"}.`;
  }
  return new ApiError(response.status, text);
}

export function buildUrl(baseUrl: string, path: string, query?: Record<string, QueryValue>): string {
  let url = `${baseUrl}${path}`;
  if (query) {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value === undefined || value === null) continue;
      params.append(key, String(value));
    }
    const search = params.toString();
    if (search) url += `?${search}`;
  }
  return url;
}

export function createApi(options: ApiOptions = {}) {
  const baseUrl = options.baseUrl ?? API_BASE_URL;
  const credentials = credentialsFor(baseUrl);
  const doFetch: FetchLike = options.fetch ?? ((...args) => fetch(...args));

  const url = (path: string, query?: Record<string, QueryValue>) => buildUrl(baseUrl, path, query);

  // Any call refused with 401 (the access cookie expired, the token changed) is reported here,
  // so the sign-in page can come back wherever the call was made.
  const unauthorizedListeners = new Set<() => void>();
  const reportStatus = (status: number) => {
    if (status !== 401) return;
    for (const listener of [...unauthorizedListeners]) listener();
  };

  async function request(
    path: string,
    init: RequestInit = {},
    query?: Record<string, QueryValue>,
    { report = true }: { report?: boolean } = {},
  ) {
    let response: Response;
    try {
      response = await doFetch(url(path, query), { credentials, ...init });
    } catch (error) {
      if (error instanceof DOMException && error.name === "AbortError") throw error;
      throw new ApiError(0, UNREACHABLE);
    }
    if (!response.ok) {
      const error = await errorFromResponse(response);
      if (report) reportStatus(response.status);
      throw error;
    }
    return response;
  }

  async function json<T>(
    path: string,
    init: RequestInit = {},
    query?: Record<string, QueryValue>,
    options?: { report?: boolean },
  ): Promise<T> {
    const response = await request(path, init, query, options);
    try {
      return (await response.json()) as T;
    } catch {
      throw new ApiError(response.status, "The server sent an answer that could not be read.");
    }
  }

  const postJson = <T>(path: string, body: unknown) =>
    json<T>(path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });

  return {
    baseUrl,

    /** Calls `listener` whenever a call is refused with 401; returns the unsubscribe. */
    onUnauthorized(listener: () => void): () => void {
      unauthorizedListeners.add(listener);
      return () => {
        unauthorizedListeners.delete(listener);
      };
    },

    accessStatus: () => json<AccessStatus>("/api/access"),

    /** Trades the access token for the backend's httpOnly cookie; 401 when the token is wrong. */
    signIn: (token: string) =>
      json<{ granted: boolean }>(
        "/api/access",
        { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ token }) },
        undefined,
        // A wrong token is the form's own error, not a lost sign-in.
        { report: false },
      ),

    /**
     * Starts a turn and yields its events. Throws ApiError when the backend
     * refuses before streaming (non-2xx JSON error).
     */
    async *turnResponse(
      body: { messages: unknown[]; toolsState: ToolsState },
      signal?: AbortSignal,
    ): AsyncGenerator<StreamEvent, void, undefined> {
      const response = await request("/api/turn_response", {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
        body: JSON.stringify(body),
        signal,
      });
      if (!response.body) throw new ApiError(response.status, "The server sent an empty answer.");
      yield* readEventStream(response.body);
    },

    /** Runs one of the backend's functions with the model's arguments. */
    async callFunction(name: string, args: JsonObject, signal?: AbortSignal): Promise<unknown> {
      const query: Record<string, QueryValue> = {};
      for (const [key, value] of Object.entries(args)) {
        if (value === undefined || value === null) continue;
        query[key] = typeof value === "object" ? JSON.stringify(value) : (value as QueryValue);
      }
      return json<unknown>(`/api/functions/${encodeURIComponent(name)}`, { signal }, query);
    },

    listFunctions: () => json<unknown>("/api/functions"),

    /** For `<a download>` and `<img>`: the same URL serves both. */
    containerFileUrl(file: ContainerFileRef): string {
      return url("/api/container_files/content", {
        file_id: file.fileId,
        container_id: file.containerId || undefined,
        filename: file.filename || undefined,
      });
    },

    createVectorStore: (name: string) => postJson<VectorStore>("/api/vector_stores/create_store", { name }),

    retrieveVectorStore: (id: string) =>
      json<VectorStore>("/api/vector_stores/retrieve_store", {}, { vector_store_id: id }),

    listVectorStoreFiles: (id: string) =>
      json<{ data: VectorStoreFile[]; has_more?: boolean }>(
        "/api/vector_stores/list_files",
        {},
        { vector_store_id: id },
      ),

    addFileToVectorStore: (vectorStoreId: string, fileId: string) =>
      postJson<VectorStoreFile>("/api/vector_stores/add_file", { vectorStoreId, fileId }),

    /** Multipart upload with progress (0..1); XMLHttpRequest because fetch has no upload progress. */
    uploadFile(file: File, onProgress?: (fraction: number) => void, signal?: AbortSignal): Promise<UploadedFile> {
      return new Promise((resolve, reject) => {
        const xhr = options.xhr ? options.xhr() : new XMLHttpRequest();
        xhr.open("POST", url("/api/vector_stores/upload_file"));
        xhr.withCredentials = credentials === "include";
        xhr.upload.onprogress = (event) => {
          if (event.lengthComputable && onProgress) onProgress(event.loaded / event.total);
        };
        xhr.onerror = () => reject(new ApiError(0, UNREACHABLE));
        xhr.onabort = () => reject(new DOMException("Upload cancelled", "AbortError"));
        xhr.onload = () => {
          let body: unknown = undefined;
          try {
            body = JSON.parse(xhr.responseText);
          } catch {
            // handled below
          }
          if (xhr.status >= 200 && xhr.status < 300 && isObject(body) && typeof body.id === "string") {
            onProgress?.(1);
            resolve(body as UploadedFile);
            return;
          }
          const error = isObject(body) ? body.error : undefined;
          const message =
            typeof error === "string" ? error : isObject(error) ? getString(error, "message") : undefined;
          reportStatus(xhr.status);
          reject(new ApiError(xhr.status, message || statusMessage(xhr.status)));
        };
        signal?.addEventListener("abort", () => xhr.abort(), { once: true });
        const form = new FormData();
        form.append("file", file, file.name);
        xhr.send(form);
      });
    },

    googleStatus: () => json<GoogleStatus>("/api/google/status"),

    /** A full-page navigation target: the backend redirects on to Google. */
    googleAuthUrl: () => url("/api/google/auth"),

    googleDisconnect: () => json<unknown>("/api/google/disconnect", { method: "POST" }),
  };
}

export type Api = ReturnType<typeof createApi>;

export const api: Api = createApi();
