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
