import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";

import type { OwnerUsage } from "@/lib/api";
import { OwnersTable } from "@/components/usage/UsagePage";

const totals = (tokens: number) => ({
  input_tokens: tokens,
  cached_tokens: 0,
  output_tokens: 0,
  reasoning_tokens: 0,
  total_tokens: tokens,
  cost_usd: null,
  turns: 2,
});

describe("everyone's usage, for admins", () => {
  it("names each person, and a browser that never signed in as such", () => {
    const owners: OwnerUsage[] = [
      { owner: "user_1", user: { id: "1", name: "Ada Lovelace", email: "ada@example.com" }, totals: totals(1500) },
      { owner: "user_2", user: { id: "2", name: null, email: "bob@example.com" }, totals: totals(900) },
      { owner: "anon_x", user: null, totals: totals(12) },
    ];
    const html = renderToStaticMarkup(<OwnersTable owners={owners} />);
    expect(html).toContain("Ada Lovelace");
    expect(html).toContain("ada@example.com");
    expect(html).toContain("bob@example.com");
    expect(html).toContain("A browser without sign-in");
    expect(html).not.toContain("anon_x");
    expect(html.indexOf("Ada Lovelace")).toBeLessThan(html.indexOf("bob@example.com"));
  });
});
