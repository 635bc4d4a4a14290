import { API_BASE_URL, credentialsFor } from "./api-config";
import { getString, isObject, type JsonObject } from "./json";
import { readEventStream, readNumberedEventStream, type NumberedEvent, type StreamEvent } from "./sse";
import type { AuthStatus } from "./sign-in";
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

/** GET /api/health. */
export interface Health {
  status: string;
  openai_configured: boolean;
}

/** Tokens of an answer, a conversation or a day (docs/api.md, Usage). */
export interface Usage {
  input_tokens: number;
  cached_tokens: number;
  output_tokens: number;
  reasoning_tokens: number;
  total_tokens: number;
}

export interface ModelInfo {
  id: string;
  label?: string | null;
  reasoning: { efforts: string[]; default: string } | null;
}

export interface ModelList {
  default: string;
  models: ModelInfo[];
}

export type MessageStatus = "streaming" | "completed" | "incomplete" | "cancelled" | "failed";

export interface ConversationSummary {
  id: string;
  title: string;
  created_at: string;
  updated_at: string;
  /** Only in search results: the matching text. */
  snippet?: string;
}

export interface StoredMessage {
  id: string;
  parent_id: string | null;
  role: "user" | "assistant";
  status: MessageStatus;
  items: JsonObject[];
  text: string;
  model: string | null;
  usage: Usage | null;
  cost_usd: number | null;
  created_at: string;
  sibling_ids: string[];
  /** Why a failed or cut-short answer stopped, as its error frame said (older servers: absent). */
  error?: { type?: string; code?: string | null; message: string } | null;
}

export interface Conversation extends ConversationSummary {
  usage: Usage | null;
  cost_usd: number | null;
  /** The active path, root first. */
  messages: StoredMessage[];
}

export interface ConversationPage {
  data: ConversationSummary[];
  next_cursor: string | null;
}

export interface UsageRow extends Usage {
  day: string;
  model: string;
  cost_usd: number | null;
  turns: number;
}

export interface UsageReport {
  since: string;
  days: number;
  data: UsageRow[];
  totals: Usage & { cost_usd: number | null; turns: number };
  /** Everyone's report (admins): each owner's totals, most tokens first. */
  owners?: OwnerUsage[];
}

export interface OwnerUsage {
  owner: string;
  /** Who, for a signed-in person; null for a browser that never signed in. */
  user: { id: string; email: string | null; name: string | null } | null;
  totals: Usage & { cost_usd: number | null; turns: number };
}

/** The body of POST /api/conversations/{id}/turns: one of `text`, `input` or `regenerate`. */
export interface TurnRequest {
  text?: string;
  input?: JsonObject[];
  /** Left out: the end of the active path; null: a new first message. */
  parent_id?: string | null;
  regenerate?: string;
  toolsState?: ToolsState;
  model?: string;
  reasoning?: { effort?: string; summary?: string };
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

/** The file name of a Content-Disposition header: `filename*` (RFC 5987) first, else `filename`. */
export function filenameFromDisposition(header: string | null): string | null {
  if (!header) return null;
  const extended = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(header);
  if (extended?.[1]) {
    try {
      return decodeURIComponent(extended[1].trim());
    } catch {
      // Badly encoded: the plain name may do.
    }
  }
  const plain = /filename\s*=\s*(?:"([^"]*)"|([^;]+))/i.exec(header);
  const name = (plain?.[1] ?? plain?.[2])?.trim();
  return name || null;
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

  const conversationPath = (id: string) => `/api/conversations/${encodeURIComponent(id)}`;

  async function* numberedFrames(response: Response): AsyncGenerator<NumberedEvent, void, undefined> {
    if (!response.body) throw new ApiError(response.status, "The server sent an empty answer.");
    yield* readNumberedEventStream(response.body);
  }

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

    health: () => json<Health>("/api/health"),

    models: () => json<ModelList>("/api/models"),

    /** The owner's usage; `everyone` (admins only, else 403): every owner's, summed and each. */
    usage: (days = 30, everyone = false) =>
      json<UsageReport>("/api/usage", {}, { days, all: everyone ? 1 : undefined }),

    listConversations: (query: { limit?: number; cursor?: string | null; q?: string } = {}, signal?: AbortSignal) =>
      json<ConversationPage>(
        "/api/conversations",
        { signal },
        { limit: query.limit, cursor: query.cursor || undefined, q: query.q || undefined },
      ),

    createConversation: (title?: string) =>
      postJson<Conversation>("/api/conversations", title ? { title } : {}),

    getConversation: (id: string, signal?: AbortSignal) => json<Conversation>(conversationPath(id), { signal }),

    updateConversation: (id: string, patch: { title?: string; current_message_id?: string }) =>
      json<Conversation>(conversationPath(id), {
        method: "PATCH",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(patch),
      }),

    async deleteConversation(id: string): Promise<void> {
      await request(conversationPath(id), { method: "DELETE" });
    },

    /**
     * The export as a file: its bytes, and the name the server gave it (null when the header
     * cannot be read: cross origin, the backend does not expose Content-Disposition).
     */
    async exportConversation(
      id: string,
      format: "json" | "markdown",
    ): Promise<{ blob: Blob; filename: string | null }> {
      const response = await request(`${conversationPath(id)}/export`, {}, { format });
      const filename = filenameFromDisposition(response.headers.get("Content-Disposition"));
      return { blob: await response.blob(), filename };
    },

    importConversation: (exported: unknown) => postJson<Conversation>("/api/conversations/import", exported),

    /**
     * Starts a turn of a server-kept conversation and yields its numbered frames. Throws
     * ApiError when the backend refuses before streaming (409: a turn already runs).
     */
    async *startTurn(
      conversationId: string,
      body: TurnRequest,
      signal?: AbortSignal,
    ): AsyncGenerator<NumberedEvent, void, undefined> {
      const response = await request(`${conversationPath(conversationId)}/turns`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
        body: JSON.stringify(body),
        signal,
      });
      yield* numberedFrames(response);
    },

    /** The frames of a turn after `after` (Last-Event-ID), then the live ones; 410 once forgotten. */
    async *turnEvents(
      conversationId: string,
      turnId: string,
      after: number,
      signal?: AbortSignal,
    ): AsyncGenerator<NumberedEvent, void, undefined> {
      const headers: Record<string, string> = { Accept: "text/event-stream" };
      if (after > 0) headers["Last-Event-ID"] = String(after);
      const response = await request(
        `${conversationPath(conversationId)}/turns/${encodeURIComponent(turnId)}/events`,
        { headers, signal },
      );
      yield* numberedFrames(response);
    },

    cancelTurn: (conversationId: string, turnId: string) =>
      json<{ status: string }>(`${conversationPath(conversationId)}/turns/${encodeURIComponent(turnId)}/cancel`, {
        method: "POST",
      }),

    googleStatus: () => json<GoogleStatus>("/api/google/status"),

    /** A full-page navigation target: the backend redirects on to Google. */
    googleAuthUrl: () => url("/api/google/auth"),

    /** Where the browser goes to sign in with the team's provider (a full-page trip). */
    signInUrl: () => url("/api/auth/login"),

    authMe: () => json<AuthStatus>("/api/auth/me", {}, undefined, { report: false }),

    async signOut(): Promise<void> {
      await request("/api/auth/logout", { method: "POST" }, undefined, { report: false });
    },

    googleDisconnect: () => json<unknown>("/api/google/disconnect", { method: "POST" }),
  };
}

export type Api = ReturnType<typeof createApi>;

export const api: Api = createApi();
