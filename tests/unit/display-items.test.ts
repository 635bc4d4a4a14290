import { describe, expect, it } from "vitest";

import { itemFromOutput, mergeAnnotations, parseAnnotation } from "@/lib/chat/display-items";

describe("itemFromOutput", () => {
  it("shows an assistant message with its text and citations", () => {
    const item = itemFromOutput(
      {
        id: "msg_1",
        type: "message",
        role: "assistant",
        content: [
          {
            type: "output_text",
            text: "See the docs.",
            annotations: [{ type: "url_citation", url: "https://example.com", title: "Docs", start_index: 4, end_index: 8 }],
          },
        ],
      },
      "t1",
      undefined,
      true,
    );
    expect(item).toEqual({
      kind: "assistant",
      id: "msg_1",
      turnId: "t1",
      text: "See the docs.",
      annotations: [{ type: "url_citation", url: "https://example.com", title: "Docs", start_index: 4, end_index: 8 }],
      done: true,
    });
  });

  it("keeps the streamed arguments of a function call until the final item brings its own", () => {
    const streamed = itemFromOutput({ id: "fc_1", type: "function_call", name: "get_joke" }, "t1", undefined, false);
    const withArgs = streamed && { ...streamed, arguments: '{"a":' };
    const added = itemFromOutput({ id: "fc_1", type: "function_call", name: "get_joke" }, "t1", withArgs ?? undefined, false);
    expect(added).toMatchObject({ kind: "function_call", arguments: '{"a":', status: "streaming" });
    const done = itemFromOutput(
      { id: "fc_1", type: "function_call", name: "get_joke", call_id: "call_1", arguments: '{"a":1}' },
      "t1",
      added ?? undefined,
      true,
    );
    expect(done).toMatchObject({ callId: "call_1", arguments: '{"a":1}', status: "ready" });
  });

  it("shows reasoning by its summary parts, one paragraph each", () => {
    const raw = {
      id: "rs_1",
      type: "reasoning",
      summary: [
        { type: "summary_text", text: "**Plan**" },
        { type: "summary_text", text: "Then answer." },
      ],
    };
    expect(itemFromOutput(raw, "t1", undefined, true)).toEqual({
      kind: "reasoning",
      id: "rs_1",
      turnId: "t1",
      summary: "**Plan**\n\nThen answer.",
      done: true,
    });
  });
});

describe("annotations", () => {
  it("drops citations without their target and merges repeats once", () => {
    expect(parseAnnotation({ type: "url_citation" })).toBeNull();
    const file = parseAnnotation({ type: "file_citation", file_id: "file_1", filename: "a.pdf" });
    expect(file).toEqual({ type: "file_citation", file_id: "file_1", filename: "a.pdf" });
    expect(mergeAnnotations(file ? [file] : [], file ? [file] : [])).toHaveLength(1);
  });
});
