/** The usage page's chart: tokens per day, stacked by model (docs/api.md, Usage). */
import type { UsageRow } from "./api";

export interface DayBar {
  day: string;
  total: number;
  /** Tokens per model, in the order of `models`. */
  parts: Array<{ model: string; tokens: number }>;
}

/** Every day from `since` for `days` days (UTC dates, as the server counts them). */
export function daysFrom(since: string, days: number): string[] {
  const start = Date.parse(`${since}T00:00:00Z`);
  if (Number.isNaN(start)) return [];
  return Array.from({ length: days }, (_, i) => new Date(start + i * 86_400_000).toISOString().slice(0, 10));
}

/** One bar per day (empty days included), and the models in order of their total use. */
export function dailyBars(rows: UsageRow[], since: string, days: number): { bars: DayBar[]; models: string[] } {
  const totals = new Map<string, number>();
  for (const row of rows) totals.set(row.model, (totals.get(row.model) ?? 0) + row.total_tokens);
  const models = [...totals.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([m]) => m);
  const bars = daysFrom(since, days).map((day) => {
    const parts = models.map((model) => ({
      model,
      tokens: rows.filter((r) => r.day === day && r.model === model).reduce((sum, r) => sum + r.total_tokens, 0),
    }));
    return { day, total: parts.reduce((sum, p) => sum + p.tokens, 0), parts };
  });
  return { bars, models };
}
