import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";

import { exportFileName } from "@/components/chat/ConversationHeader";
import { MessageList, usageWords } from "@/components/chat/Messages";
import { FirstRunNotice } from "@/components/FirstRunNotice";
import { filenameFromDisposition } from "@/lib/api";
import { viewMessages } from "@/lib/conversations/messages";

import { message } from "./helpers/conversations";

const noop = () => undefined;

function render(messages: ReturnType<typeof viewMessages>, busy = false) {
  return renderToStaticMarkup(
    <MessageList
      messages={messages}
      busy={busy}
      modelLabel={(id) => (id === "gpt-5.2" ? "GPT-5.2" : id)}
      onEdit={noop}
      onRegenerate={noop}
      onRetry={noop}
      onSwitch={noop}
      onApproval={noop}
    />,
  );
}

describe("the conversation's views", () => {
  it("names every control of a message, with the n/m of its versions", () => {
    const html = render(
      viewMessages(
        [
          message("u", "user", "Question", null),
          message("a", "assistant", "Answer", "u", {
            sibling_ids: ["a0", "a"],
            usage: { input_tokens: 7, cached_tokens: 0, output_tokens: 56, reasoning_tokens: 0, total_tokens: 63 },
            cost_usd: 0.00079625,
          }),
        ],
        null,
      ),
    );
    for (const name of ["Edit", "Regenerate", "Previous version", "Next version"])
      expect(html).toContain(`aria-label="${name}"`);
    expect(html).toContain("2/2");
    expect(html).toContain("GPT-5.2");
    expect(html).toContain("63 tokens · $0.00080");
  });

  it("folds a finished reasoning summary into Thinking", () => {
    const answer = message("a", "assistant", "", "u", {
      items: [{ id: "rs_1", type: "reasoning", summary: [{ type: "summary_text", text: "Weighing it up" }] }],
    });
    const html = render(viewMessages([message("u", "user", "Q", null), answer], null));
    expect(html).toMatch(/<details[^>]*><summary[^>]*>Thinking<\/summary>/);
    expect(html).toContain("Weighing it up");
  });

  it("marks a stopped answer", () => {
    const answer = message("a", "assistant", "Half", "u", { status: "cancelled" });
    expect(render(viewMessages([message("u", "user", "Q", null), answer], null))).toContain(
      "Stopped. The answer so far is kept.",
    );
  });

  it("says usage in words, with the cost only when known", () => {
    const usage = { input_tokens: 1200, cached_tokens: 200, output_tokens: 300, reasoning_tokens: 64, total_tokens: 1500 };
    expect(usageWords(usage, null)).toEqual({
      short: "1,500 tokens",
      long: "1,200 input (200 cached), 300 output (64 reasoning)",
    });
    expect(usageWords(usage, 0.0063)?.short).toBe("1,500 tokens · $0.0063");
    expect(usageWords(usage, 1.5)?.short).toBe("1,500 tokens · $1.50");
    expect(usageWords(null, null)).toBeNull();
  });
});

describe("the first-run notice", () => {
  it("says where the key goes when the server has none, and nothing otherwise", () => {
    const html = renderToStaticMarkup(<FirstRunNotice openaiConfigured={false} />);
    expect(html).toContain('role="alert"');
    expect(html).toContain("backend/.env");
    expect(html).toContain("OPENAI_API_KEY");
    expect(renderToStaticMarkup(<FirstRunNotice openaiConfigured={true} />)).toBe("");
    expect(renderToStaticMarkup(<FirstRunNotice openaiConfigured={undefined} />)).toBe("");
  });
});

describe("export file names", () => {
  it("reads the server's name, the encoded one first", () => {
    expect(
      filenameFromDisposition(`attachment; filename="long [[x]].md"; filename*=UTF-8''long%20%5B%5Bx%5D%5D.md`),
    ).toBe("long [[x]].md");
    expect(filenameFromDisposition('attachment; filename="Trip.json"')).toBe("Trip.json");
    expect(filenameFromDisposition(null)).toBeNull();
  });

  it("makes one from the title when the header cannot be read", () => {
    expect(exportFileName("Trip to Lisbon: day 1", "markdown")).toBe("Trip-to-Lisbon-day-1.md");
    expect(exportFileName("  ", "json")).toBe("conversation.json");
  });
});
