"use client";

import Link from "next/link";

import { useState } from "react";

import { api, type OwnerUsage } from "@/lib/api";
import { dailyBars } from "@/lib/usage-chart";
import { useFetched } from "@/lib/use-fetched";
import { useAuthStore } from "@/stores/auth-store";

import { formatCost, formatTokens } from "../chat/Messages";

const DAYS = 30;
const COLOURS = ["bg-sky-600", "bg-emerald-600", "bg-amber-500", "bg-fuchsia-600", "bg-zinc-500", "bg-rose-500"];

/** The last 30 days: a bar per day (tokens, by model) and a table of the same numbers. */
export function UsagePage() {
  const admin = useAuthStore((s) => s.status?.admin === true);
  const [everyone, setEveryone] = useState(false);
  const { data, error, reload } = useFetched(everyone ? "usage-everyone" : "usage", () =>
    api.usage(DAYS, everyone),
  );
  const chart = data ? dailyBars(data.data, data.since, data.days) : null;
  const highest = chart ? Math.max(1, ...chart.bars.map((b) => b.total)) : 1;
  const colour = (model: string) => COLOURS[(chart?.models.indexOf(model) ?? 0) % COLOURS.length];

  return (
    <main className="mx-auto max-w-4xl space-y-6 px-4 py-6">
      <div className="flex items-center justify-between">
        <h1 className="text-xl font-semibold">Usage, last {DAYS} days</h1>
        {admin ? (
          <div role="group" aria-label="Whose usage" className="flex rounded-md border border-zinc-300 text-sm">
            {[
              { label: "Mine", value: false },
              { label: "Everyone", value: true },
            ].map((choice) => (
              <button
                key={choice.label}
                type="button"
                aria-pressed={everyone === choice.value}
                onClick={() => setEveryone(choice.value)}
                className={`px-3 py-1 ${everyone === choice.value ? "bg-zinc-900 text-white" : "hover:bg-zinc-100"}`}
              >
                {choice.label}
              </button>
            ))}
          </div>
        ) : null}
        <Link href="/" className="text-sm text-sky-700 hover:underline">
          Back to the chat
        </Link>
      </div>
      {error ? (
        <div role="alert" className="rounded border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-900">
          {error}{" "}
          <button type="button" className="underline" onClick={reload}>
            Try again
          </button>
        </div>
      ) : null}
      {!data && !error ? <p role="status">Loading…</p> : null}
      {data && chart ? (
        <>
          <p className="text-sm text-zinc-700">
            {formatTokens(data.totals.total_tokens)} tokens in {formatTokens(data.totals.turns)} answers
            {data.totals.cost_usd !== null ? `, ${formatCost(data.totals.cost_usd)}` : ""}.
          </p>
          <figure aria-label="Tokens per day, by model" className="space-y-2">
            <div className="flex h-48 items-end gap-0.5 border-b border-zinc-300" role="img" aria-label={`Tokens per day since ${data.since}`}>
              {chart.bars.map((bar) => (
                <div
                  key={bar.day}
                  className="flex h-full min-w-0 flex-1 flex-col-reverse"
                  title={`${bar.day}: ${formatTokens(bar.total)} tokens`}
                >
                  {bar.parts.map((part) =>
                    part.tokens ? (
                      <div key={part.model} className={colour(part.model)} style={{ height: `${(part.tokens / highest) * 100}%` }} />
                    ) : null,
                  )}
                </div>
              ))}
            </div>
            <figcaption className="flex flex-wrap gap-3 text-xs text-zinc-600">
              <span>
                {data.since} to today (UTC)
              </span>
              {chart.models.map((model) => (
                <span key={model} className="inline-flex items-center gap-1">
                  <span aria-hidden="true" className={`inline-block h-2.5 w-2.5 rounded-sm ${colour(model)}`} />
                  {model}
                </span>
              ))}
            </figcaption>
          </figure>
          <table className="w-full text-left text-sm">
            <caption className="sr-only">Usage per day and model</caption>
            <thead className="border-b border-zinc-300 text-xs text-zinc-500">
              <tr>
                <th className="py-1 pr-2 font-medium">Day</th>
                <th className="py-1 pr-2 font-medium">Model</th>
                <th className="py-1 pr-2 text-right font-medium">Answers</th>
                <th className="py-1 pr-2 text-right font-medium">Input</th>
                <th className="py-1 pr-2 text-right font-medium">Output</th>
                <th className="py-1 pr-2 text-right font-medium">Total tokens</th>
                <th className="py-1 text-right font-medium">Cost</th>
              </tr>
            </thead>
            <tbody>
              {data.data.length === 0 ? (
                <tr>
                  <td colSpan={7} className="py-2 text-zinc-500">
                    Nothing used yet.
                  </td>
                </tr>
              ) : null}
              {[...data.data]
                .sort((a, b) => b.day.localeCompare(a.day) || a.model.localeCompare(b.model))
                .map((row) => (
                  <tr key={`${row.day} ${row.model}`} className="border-b border-zinc-100">
                    <td className="py-1 pr-2 tabular-nums">{row.day}</td>
                    <td className="py-1 pr-2">{row.model}</td>
                    <td className="py-1 pr-2 text-right tabular-nums">{formatTokens(row.turns)}</td>
                    <td className="py-1 pr-2 text-right tabular-nums">{formatTokens(row.input_tokens)}</td>
                    <td className="py-1 pr-2 text-right tabular-nums">{formatTokens(row.output_tokens)}</td>
                    <td className="py-1 pr-2 text-right tabular-nums">{formatTokens(row.total_tokens)}</td>
                    <td className="py-1 text-right tabular-nums">{row.cost_usd !== null ? formatCost(row.cost_usd) : "—"}</td>
                  </tr>
                ))}
            </tbody>
          </table>
          {data.owners ? <OwnersTable owners={data.owners} /> : null}
        </>
      ) : null}
    </main>
  );
}

/** Who used what, for admins: a person by name (or address), a browser that never signed in as such. */
export function OwnersTable({ owners }: { owners: OwnerUsage[] }) {
  return (
    <table className="w-full text-left text-sm">
      <caption className="py-1 text-left font-medium">By person</caption>
      <thead className="border-b border-zinc-300 text-xs text-zinc-500">
        <tr>
          <th className="py-1 pr-2 font-medium">Who</th>
          <th className="py-1 pr-2 text-right font-medium">Answers</th>
          <th className="py-1 pr-2 text-right font-medium">Total tokens</th>
          <th className="py-1 text-right font-medium">Cost</th>
        </tr>
      </thead>
      <tbody>
        {owners.map((entry) => (
          <tr key={entry.owner} className="border-b border-zinc-100">
            <td className="py-1 pr-2">
              {entry.user ? (
                <>
                  {entry.user.name || entry.user.email || entry.user.id}
                  {entry.user.name && entry.user.email ? (
                    <span className="text-xs text-zinc-500"> {entry.user.email}</span>
                  ) : null}
                </>
              ) : (
                <span className="text-zinc-500">A browser without sign-in</span>
              )}
            </td>
            <td className="py-1 pr-2 text-right tabular-nums">{formatTokens(entry.totals.turns)}</td>
            <td className="py-1 pr-2 text-right tabular-nums">{formatTokens(entry.totals.total_tokens)}</td>
            <td className="py-1 text-right tabular-nums">
              {entry.totals.cost_usd !== null ? formatCost(entry.totals.cost_usd) : "—"}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
