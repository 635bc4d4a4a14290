import { describe, expect, it } from "vitest";

import { dayGroup, groupByDay } from "@/lib/conversations/grouping";

// Local times: the groups follow the reader's calendar.
const now = new Date(2026, 11, 10, 9, 30);
const at = (day: number, hour = 12) => new Date(2026, 11, day, hour).toISOString();

describe("grouping by day", () => {
  it("names each day's group", () => {
    expect(dayGroup(at(10, 0), now)).toBe("Today");
    expect(dayGroup(at(9, 23), now)).toBe("Yesterday");
    expect(dayGroup(at(8, 1), now)).toBe("Previous 7 days");
    expect(dayGroup(at(3), now)).toBe("Previous 7 days");
    expect(dayGroup(at(2), now)).toBe("Older");
    expect(dayGroup("not a date", now)).toBe("Older");
  });

  it("keeps the list's order in each group, groups in order, empty ones left out", () => {
    const items = [
      { id: "a", updated_at: at(10) },
      { id: "b", updated_at: at(10, 1) },
      { id: "c", updated_at: at(5) },
      { id: "d", updated_at: new Date(2025, 0, 1).toISOString() },
    ];
    expect(groupByDay(items, now).map((g) => [g.label, g.items.map((i) => i.id)])).toEqual([
      ["Today", ["a", "b"]],
      ["Previous 7 days", ["c"]],
      ["Older", ["d"]],
    ]);
  });

  it("counts a time later today (a clock ahead) as today", () => {
    expect(dayGroup(at(10, 23), now)).toBe("Today");
  });
});
