"use client";

import { api } from "@/lib/api";
import { parseFunctionSchemas } from "@/lib/functions";
import { useFetched } from "@/lib/use-fetched";

/** The functions the model may call, as the backend describes them. */
export function FunctionsList() {
  const {
    data: functions,
    error,
    reload,
  } = useFetched("functions", async () => parseFunctionSchemas(await api.listFunctions()));

  if (error)
    return (
      <p className="text-xs text-red-700">
        Could not load the functions: {error}{" "}
        <button type="button" className="underline" onClick={reload}>
          Try again
        </button>
      </p>
    );
  if (!functions) return <p className="text-xs text-zinc-500">Loading the functions…</p>;
  if (!functions.length) return <p className="text-xs text-zinc-500">The server offers no functions.</p>;
  return (
    <ul aria-label="Functions" className="space-y-2 text-xs">
      {functions.map((fn) => (
        <li key={fn.name} className="rounded-md bg-zinc-50 p-2">
          <div className="font-mono font-semibold">{fn.name}</div>
          {fn.description ? <div className="text-zinc-600">{fn.description}</div> : null}
          {fn.parameters.length ? (
            <ul className="mt-1 space-y-0.5">
              {fn.parameters.map((p) => (
                <li key={p.name}>
                  <span className="font-mono">{p.name}</span>
                  {p.type ? <span className="text-zinc-500"> ({p.enum ? p.enum.join(" | ") : p.type})</span> : null}
                  {p.description ? <span className="text-zinc-600"> — {p.description}</span> : null}
                </li>
              ))}
            </ul>
          ) : (
            <div className="mt-1 text-zinc-500">No parameters</div>
          )}
        </li>
      ))}
    </ul>
  );
}
