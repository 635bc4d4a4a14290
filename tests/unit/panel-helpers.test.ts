import { describe, expect, it } from "vitest";

import { ApiError } from "@/lib/api";
import { countries, countryName, searchCountries } from "@/lib/countries";
import { parseFunctionSchemas } from "@/lib/functions";
import { readOAuthReturn, withoutOAuthParams } from "@/lib/google-return";
import { refusalReason, storeNameFor, uploadIntoVectorStore, type UploadState } from "@/lib/uploads";

describe("countries", () => {
  it("lists every ISO 3166 country with its English name", () => {
    expect(countries()).toHaveLength(249);
    expect(countryName("de")).toBe("Germany");
  });

  it("finds countries by name, word or code", () => {
    expect(searchCountries("ger")[0]?.code).toBe("DE");
    expect(searchCountries("us")[0]?.code).toBe("US");
    expect(searchCountries("zealand").map((c) => c.code)).toContain("NZ");
    expect(searchCountries("cote").map((c) => c.code)).toContain("CI");
  });
});

describe("parseFunctionSchemas", () => {
  const weather = {
    type: "function",
    name: "get_weather",
    description: "Get the weather for a given location",
    parameters: {
      type: "object",
      properties: {
        location: { type: "string", description: "Location to get weather for" },
        unit: { type: "string", description: "Unit to get weather in", enum: ["celsius", "fahrenheit"] },
      },
    },
  };

  it("reads Responses API function tools", () => {
    expect(parseFunctionSchemas([weather])).toEqual([
      {
        name: "get_weather",
        description: "Get the weather for a given location",
        parameters: [
          { name: "location", type: "string", description: "Location to get weather for", enum: undefined },
          { name: "unit", type: "string", description: "Unit to get weather in", enum: ["celsius", "fahrenheit"] },
        ],
      },
    ]);
  });

  it("reads a wrapped list and the tools_list.py shape", () => {
    const body = { functions: [{ name: "get_joke", description: "Get a programming joke", properties: {} }] };
    expect(parseFunctionSchemas(body)).toEqual([{ name: "get_joke", description: "Get a programming joke", parameters: [] }]);
    expect(parseFunctionSchemas({ nothing: true })).toEqual([]);
  });
});

describe("Google OAuth return", () => {
  it("says what happened", () => {
    expect(readOAuthReturn("?connected=1")).toMatchObject({ ok: true });
    expect(readOAuthReturn("?error=access_denied")?.message).toMatch(/not granted/);
    expect(readOAuthReturn("?error=invalid_state")).toMatchObject({ ok: false });
    // Words from the address bar are never shown as the page's own.
    const forged = readOAuthReturn("?error=Your%20account%20is%20locked%3A%20call%20%2B1-555");
    expect(forged).toEqual({ ok: false, message: "Google was not connected. Please try again." });
    expect(readOAuthReturn("?error=constructor")?.message).toBe("Google was not connected. Please try again.");
    expect(readOAuthReturn("")).toBeNull();
  });

  it("cleans the URL of its parameters only", () => {
    expect(withoutOAuthParams("http://x/?connected=1")).toBe("/");
    expect(withoutOAuthParams("http://x/?error=oauth_failed&keep=1#top")).toBe("/?keep=1#top");
  });
});

describe("uploads", () => {
  const file = (name: string, size: number) => new File([new Uint8Array(size)], name);

  it("refuses empty and too large files in words", () => {
    expect(refusalReason({ name: "a", size: 0 })).toBe("The file is empty.");
    expect(refusalReason({ name: "a", size: 5 * 1024 * 1024 }, 1024 * 1024)).toBe("Too large (5.0 MB); the limit is 1.0 MB.");
    expect(refusalReason({ name: "a", size: 10 })).toBeNull();
  });

  it("names a new store after its files", () => {
    expect(storeNameFor([{ name: "a.txt", size: 1 }])).toBe("a.txt");
    expect(storeNameFor([{ name: "a.txt", size: 1 }, { name: "b.txt", size: 1 }])).toBe("a.txt and 1 more");
  });

  it("creates the store once, adds each uploaded file, and lets one failure pass", async () => {
    const calls: string[] = [];
    let last: UploadState[] = [];
    const api = {
      uploadFile: async (f: File, onProgress?: (x: number) => void) => {
        calls.push(`upload ${f.name}`);
        onProgress?.(0.5);
        if (f.name === "bad.txt") throw new ApiError(400, "Unsupported file type");
        return { id: `file-${f.name}` };
      },
      createVectorStore: async (name: string) => {
        calls.push(`create ${name}`);
        return { id: "vs_new", name };
      },
      addFileToVectorStore: async (storeId: string, fileId: string) => {
        calls.push(`add ${fileId} to ${storeId}`);
        return { id: fileId };
      },
    };
    const store = await uploadIntoVectorStore(
      [file("one.txt", 3), file("bad.txt", 3), file("two.txt", 3), file("huge.bin", 50)],
      null,
      api,
      (u) => (last = u),
      { limit: 10, concurrency: 1 },
    );
    expect(store).toEqual({
      id: "vs_new",
      name: "one.txt and 1 more",
      files: [
        { id: "file-one.txt", name: "one.txt" },
        { id: "file-two.txt", name: "two.txt" },
      ],
    });
    expect(calls).toEqual([
      "upload one.txt",
      "upload bad.txt",
      "upload two.txt",
      "create one.txt and 1 more",
      "add file-one.txt to vs_new",
      "add file-two.txt to vs_new",
    ]);
    expect(last.map((u) => u.status)).toEqual(["done", "failed", "done", "failed"]);
    expect(last[1]?.error).toBe("Unsupported file type");
    expect(last[3]?.error).toMatch(/Too large/);
  });

  it("adds to an existing store and creates none when every upload fails", async () => {
    const api = {
      uploadFile: async () => {
        throw new ApiError(500, "nope");
      },
      createVectorStore: async () => {
        throw new Error("must not be called");
      },
      addFileToVectorStore: async () => ({ id: "x" }),
    };
    const existing = { id: "vs_1", name: "Old", files: [] };
    expect(await uploadIntoVectorStore([file("a.txt", 2)], existing, api, () => undefined)).toBe(existing);
    expect(await uploadIntoVectorStore([file("a.txt", 2)], null, api, () => undefined)).toBeNull();
  });
});
