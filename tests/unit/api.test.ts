import { describe, expect, it, vi } from "vitest";

import { ApiError, buildUrl, createApi } from "@/lib/api";
import { credentialsFor, normaliseBaseUrl } from "@/lib/api-config";
import { defaultToolsState } from "@/lib/tools-state";

import { backendStream } from "./helpers/fixtures";

interface Call {
  url: string;
  init: RequestInit;
}

function fakeFetch(respond: (call: Call) => Response | Promise<Response>) {
  const calls: Call[] = [];
  const fn = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const call = { url: String(input), init };
    calls.push(call);
    return respond(call);
  });
  return { fetch: fn as unknown as typeof fetch, calls };
}

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

describe("api-config", () => {
  it("trims the base URL and its trailing slashes", () => {
    expect(normaliseBaseUrl(undefined)).toBe("");
    expect(normaliseBaseUrl(" http://localhost:8000/ ")).toBe("http://localhost:8000");
  });

  it("sends cookies cross-origin only when a base URL is set", () => {
    expect(credentialsFor("")).toBe("same-origin");
    expect(credentialsFor("http://localhost:8000")).toBe("include");
  });
});

describe.each([
  { mode: "same origin (rewrites)", baseUrl: "", credentials: "same-origin" },
  { mode: "cross origin", baseUrl: "http://api.example:8000", credentials: "include" },
])("API module, $mode", ({ baseUrl, credentials }) => {
  it("builds every URL from the base", async () => {
    const { fetch, calls } = fakeFetch(() => json({ connected: false, oauthConfigured: true }));
    const api = createApi({ baseUrl, fetch });
    await api.googleStatus();
    expect(calls[0]?.url).toBe(`${baseUrl}/api/google/status`);
    expect(calls[0]?.init.credentials).toBe(credentials);
    expect(api.googleAuthUrl()).toBe(`${baseUrl}/api/google/auth`);
  });

  it("streams a turn as parsed events", async () => {
    const { fetch, calls } = fakeFetch(
      () => new Response(backendStream("text_basic"), { headers: { "Content-Type": "text/event-stream" } }),
    );
    const api = createApi({ baseUrl, fetch });
    const events = [];
    for await (const event of api.turnResponse({ messages: [{ role: "user", content: "hi" }], toolsState: defaultToolsState() }))
      events.push(event.type);
    expect(events.at(-1)).toBe("response.completed");
    expect(calls[0]?.url).toBe(`${baseUrl}/api/turn_response`);
    expect(calls[0]?.init.method).toBe("POST");
    const sent = JSON.parse(String(calls[0]?.init.body));
    expect(sent.messages).toEqual([{ role: "user", content: "hi" }]);
    expect(sent.toolsState.webSearchEnabled).toBe(false);
  });

  it("passes function arguments as query parameters", async () => {
    const { fetch, calls } = fakeFetch(() => json({ temperature: 11.5 }));
    const api = createApi({ baseUrl, fetch });
    await expect(api.callFunction("get_weather", { location: "São Paulo", unit: "celsius" })).resolves.toEqual({
      temperature: 11.5,
    });
    expect(calls[0]?.url).toBe(`${baseUrl}/api/functions/get_weather?location=S%C3%A3o+Paulo&unit=celsius`);
  });

  it("links container files with their container and name", () => {
    const api = createApi({ baseUrl, fetch: fakeFetch(() => json({})).fetch });
    expect(api.containerFileUrl({ fileId: "cfile_1", containerId: "cntr_2", filename: "plot 1.png" })).toBe(
      `${baseUrl}/api/container_files/content?file_id=cfile_1&container_id=cntr_2&filename=plot+1.png`,
    );
    expect(api.containerFileUrl({ fileId: "cfile_1" })).toBe(`${baseUrl}/api/container_files/content?file_id=cfile_1`);
  });
});

describe.each([
  { mode: "same origin (rewrites)", baseUrl: "", credentials: "same-origin" },
  { mode: "cross origin", baseUrl: "http://api.example:8000", credentials: "include" },
])("access token, $mode", ({ baseUrl, credentials }) => {
  it("asks whether a token is needed, with the cookie", async () => {
    const { fetch, calls } = fakeFetch(() => json({ required: true, granted: false }));
    const api = createApi({ baseUrl, fetch });
    await expect(api.accessStatus()).resolves.toEqual({ required: true, granted: false });
    expect(calls[0]?.url).toBe(`${baseUrl}/api/access`);
    expect(calls[0]?.init.credentials).toBe(credentials);
  });

  it("signs in by posting the token, with the cookie so it can be set", async () => {
    const { fetch, calls } = fakeFetch(() => json({ granted: true }));
    const api = createApi({ baseUrl, fetch });
    await expect(api.signIn("s3cret")).resolves.toEqual({ granted: true });
    expect(calls[0]?.url).toBe(`${baseUrl}/api/access`);
    expect(calls[0]?.init.method).toBe("POST");
    expect(calls[0]?.init.credentials).toBe(credentials);
    expect(JSON.parse(String(calls[0]?.init.body))).toEqual({ token: "s3cret" });
  });
});

/** Enough of XMLHttpRequest for uploadFile: answers `status` with `body` on send. */
function fakeXhr(status: number, body: unknown) {
  return () => {
    const xhr = {
      upload: {} as { onprogress?: unknown },
      status: 0,
      responseText: "",
      withCredentials: false,
      onload: null as null | (() => void),
      open: vi.fn(),
      send: vi.fn(() => {
        xhr.status = status;
        xhr.responseText = JSON.stringify(body);
        queueMicrotask(() => xhr.onload?.());
      }),
      abort: vi.fn(),
    };
    return xhr as unknown as XMLHttpRequest;
  };
}

describe("calls refused for want of access", () => {
  const refused = () => json({ error: "This service needs an access token: sign in, or send it as a bearer token." }, 401);

  it("are reported to listeners from plain calls, turns and uploads", async () => {
    const api = createApi({ baseUrl: "", fetch: fakeFetch(refused).fetch, xhr: fakeXhr(401, { error: "no" }) });
    const listener = vi.fn();
    api.onUnauthorized(listener);
    await expect(api.googleStatus()).rejects.toMatchObject({ status: 401 });
    await expect(api.turnResponse({ messages: [], toolsState: defaultToolsState() }).next()).rejects.toMatchObject({
      status: 401,
    });
    await expect(api.uploadFile(new File(["x"], "a.txt"))).rejects.toMatchObject({ status: 401, message: "no" });
    expect(listener).toHaveBeenCalledTimes(3);
  });

  it("are not confused with other failures, and listeners can leave", async () => {
    let status = 403;
    const api = createApi({ baseUrl: "", fetch: fakeFetch(() => json({ error: "x" }, status)).fetch });
    const listener = vi.fn();
    const leave = api.onUnauthorized(listener);
    await expect(api.listFunctions()).rejects.toMatchObject({ status: 403 });
    expect(listener).not.toHaveBeenCalled();
    leave();
    status = 401;
    await expect(api.listFunctions()).rejects.toMatchObject({ status: 401 });
    expect(listener).not.toHaveBeenCalled();
  });

  it("except a wrong token on the sign-in form, which is the form's own error", async () => {
    const { fetch } = fakeFetch(() => json({ error: "That access token is not right." }, 401));
    const api = createApi({ baseUrl: "", fetch });
    const listener = vi.fn();
    api.onUnauthorized(listener);
    await expect(api.signIn("wrong")).rejects.toMatchObject({ status: 401, message: "That access token is not right." });
    expect(listener).not.toHaveBeenCalled();
  });
});

describe("API errors", () => {
  it("turns the backend's {error} body into an ApiError with its message", async () => {
    const { fetch } = fakeFetch(() => json({ error: "Invalid location" }, 404));
    const api = createApi({ baseUrl: "", fetch });
    const error = await api.callFunction("get_weather", { location: "nowhere" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 404, message: "Invalid location" });
  });

  it("refuses a turn before streaming with the backend's words", async () => {
    const { fetch } = fakeFetch(() => json({ error: "Incorrect API key provided" }, 401));
    const api = createApi({ baseUrl: "", fetch });
    const gen = api.turnResponse({ messages: [], toolsState: defaultToolsState() });
    await expect(gen.next()).rejects.toMatchObject({ status: 401, message: "Incorrect API key provided" });
  });

  it("tells when to try again after a 429", async () => {
    const { fetch } = fakeFetch(
      () =>
        new Response(JSON.stringify({ error: "Rate limit reached" }), {
          status: 429,
          headers: { "Content-Type": "application/json", "Retry-After": "20" },
        }),
    );
    const api = createApi({ baseUrl: "", fetch });
    await expect(api.googleStatus()).rejects.toMatchObject({
      message: "Rate limit reached. You can try again in 20 seconds.",
    });
  });

  it("says so in words when the body is not the contract's JSON", async () => {
    const { fetch } = fakeFetch(() => new Response("<html>Bad gateway</html>", { status: 502 }));
    const api = createApi({ baseUrl: "", fetch });
    await expect(api.googleStatus()).rejects.toMatchObject({ status: 502, message: expect.stringContaining("502") });
  });

  it("reports an unreachable server as status 0", async () => {
    const { fetch } = fakeFetch(() => {
      throw new TypeError("Failed to fetch");
    });
    const api = createApi({ baseUrl: "", fetch });
    await expect(api.googleStatus()).rejects.toMatchObject({ status: 0, message: expect.stringContaining("Could not reach") });
  });
});

describe("buildUrl", () => {
  it("leaves out empty query values", () => {
    expect(buildUrl("", "/x", { a: "1", b: undefined, c: null })).toBe("/x?a=1");
    expect(buildUrl("", "/x", {})).toBe("/x");
  });
});

describe("conversation routes", () => {
  const baseUrl = "http://api.example:8000";

  it("starts a turn with its body and yields the numbered frames", async () => {
    const { recordedTurnText } = await import("./helpers/turns");
    const { fetch, calls } = fakeFetch(
      () => new Response(recordedTurnText("text"), { headers: { "Content-Type": "text/event-stream" } }),
    );
    const api = createApi({ baseUrl, fetch });
    const ids: Array<number | null> = [];
    for await (const frame of api.startTurn("conv_1", { text: "Hi", parent_id: null, model: "gpt-4.1" })) ids.push(frame.id);
    expect(ids).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
    expect(calls[0]?.url).toBe(`${baseUrl}/api/conversations/conv_1/turns`);
    expect(calls[0]?.init.method).toBe("POST");
    expect(JSON.parse(String(calls[0]?.init.body))).toEqual({ text: "Hi", parent_id: null, model: "gpt-4.1" });
    expect(calls[0]?.init.credentials).toBe("include");
  });

  it("resumes with Last-Event-ID, and from the start without it", async () => {
    const { fetch, calls } = fakeFetch(() => new Response("", { headers: { "Content-Type": "text/event-stream" } }));
    const api = createApi({ baseUrl, fetch });
    for await (const frame of api.turnEvents("conv_1", "msg_2", 17)) void frame;
    for await (const frame of api.turnEvents("conv_1", "msg_2", 0)) void frame;
    expect(calls[0]?.url).toBe(`${baseUrl}/api/conversations/conv_1/turns/msg_2/events`);
    expect((calls[0]?.init.headers as Record<string, string>)["Last-Event-ID"]).toBe("17");
    expect((calls[1]?.init.headers as Record<string, string>)["Last-Event-ID"]).toBeUndefined();
  });

  it("says a forgotten turn is gone (410), in the server's words", async () => {
    const { fetch } = fakeFetch(() => json({ error: "This turn can no longer be replayed." }, 410));
    const api = createApi({ baseUrl, fetch });
    await expect(api.turnEvents("conv_1", "msg_2", 3).next()).rejects.toMatchObject({
      status: 410,
      message: "This turn can no longer be replayed.",
    });
  });

  it("lists, searches, renames, chooses a branch, deletes and cancels by the documented routes", async () => {
    const { fetch, calls } = fakeFetch((call) =>
      call.init.method === "DELETE" ? new Response(null, { status: 204 }) : json({ data: [], next_cursor: null }),
    );
    const api = createApi({ baseUrl, fetch });
    await api.listConversations({ limit: 30, cursor: "abc", q: "lisbon trip" });
    await api.updateConversation("conv_1", { title: "Trip" });
    await api.updateConversation("conv_1", { current_message_id: "msg_3" });
    await api.deleteConversation("conv_1");
    await api.cancelTurn("conv_1", "msg_2");
    await api.usage(30);
    await api.usage(7, true);
    expect(calls.map((c) => `${c.init.method ?? "GET"} ${c.url.replace(baseUrl, "")}`)).toEqual([
      "GET /api/conversations?limit=30&cursor=abc&q=lisbon+trip",
      "PATCH /api/conversations/conv_1",
      "PATCH /api/conversations/conv_1",
      "DELETE /api/conversations/conv_1",
      "POST /api/conversations/conv_1/turns/msg_2/cancel",
      "GET /api/usage?days=30",
      "GET /api/usage?days=7&all=1",
    ]);
    expect(JSON.parse(String(calls[2]?.init.body))).toEqual({ current_message_id: "msg_3" });
  });
});
