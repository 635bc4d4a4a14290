import { describe, expect, it } from "vitest";

import type { ModelList } from "@/lib/api";
import { choiceFor, fitChoice, turnModelFields } from "@/lib/conversations/model-choice";
import { dailyBars } from "@/lib/usage-chart";

import { message } from "./helpers/conversations";

const models: ModelList = {
  default: "gpt-5.2",
  models: [
    { id: "gpt-5.2", label: "GPT-5.2", reasoning: { efforts: ["none", "low", "medium", "high"], default: "none" } },
    { id: "gpt-4.1", label: "GPT-4.1", reasoning: null },
  ],
};

describe("the model choice", () => {
  it("falls back to the defaults for what the server does not offer", () => {
    expect(fitChoice(models, { model: "gone" })).toEqual({ model: "gpt-5.2", effort: "none" });
    expect(fitChoice(models, { model: "gpt-5.2", effort: "extreme" })).toEqual({ model: "gpt-5.2", effort: "none" });
    expect(fitChoice(models, { model: "gpt-4.1", effort: "high" })).toEqual({ model: "gpt-4.1", effort: null });
  });

  it("is the remembered one, else the last answer's model, else the default", () => {
    const path = [message("u", "user", "q", null), message("a", "assistant", "x", "u", { model: "gpt-4.1" })];
    expect(choiceFor(models, { model: "gpt-5.2", effort: "high" }, path)).toEqual({ model: "gpt-5.2", effort: "high" });
    expect(choiceFor(models, undefined, path)).toEqual({ model: "gpt-4.1", effort: null });
    expect(choiceFor(models, undefined, [])).toEqual({ model: "gpt-5.2", effort: "none" });
  });

  it("asks for summaries whenever the model reasons", () => {
    expect(turnModelFields(models, { model: "gpt-5.2", effort: "high" })).toEqual({
      model: "gpt-5.2",
      reasoning: { effort: "high", summary: "auto" },
    });
    expect(turnModelFields(models, { model: "gpt-5.2", effort: "none" })).toEqual({
      model: "gpt-5.2",
      reasoning: { effort: "none" },
    });
    expect(turnModelFields(models, { model: "gpt-4.1", effort: null })).toEqual({ model: "gpt-4.1" });
    expect(turnModelFields(null, null)).toEqual({});
  });
});

describe("the usage chart", () => {
  it("has a bar for every day, stacked by model, the most used model first", () => {
    const row = (day: string, model: string, total: number) => ({
      day,
      model,
      total_tokens: total,
      input_tokens: total,
      cached_tokens: 0,
      output_tokens: 0,
      reasoning_tokens: 0,
      cost_usd: null,
      turns: 1,
    });
    const { bars, models: order } = dailyBars(
      [row("2026-12-01", "gpt-4.1", 10), row("2026-12-03", "gpt-5.2", 30), row("2026-12-03", "gpt-4.1", 5)],
      "2026-12-01",
      3,
    );
    expect(order).toEqual(["gpt-5.2", "gpt-4.1"]);
    expect(bars.map((b) => [b.day, b.total])).toEqual([
      ["2026-12-01", 10],
      ["2026-12-02", 0],
      ["2026-12-03", 35],
    ]);
    expect(bars[2]?.parts).toEqual([
      { model: "gpt-5.2", tokens: 30 },
      { model: "gpt-4.1", tokens: 5 },
    ]);
  });
});
