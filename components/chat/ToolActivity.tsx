"use client";

import type { ReactNode } from "react";

import { api } from "@/lib/api";
import type { ChatItem, ContainerFile } from "@/lib/chat/types";
import { parsePartialJson } from "@/lib/markdown";

import { Markdown } from "./Markdown";

type Kind<K extends ChatItem["kind"]> = Extract<ChatItem, { kind: K }>;

const IMAGE_FILE = /\.(png|jpe?g|gif|webp)$/i;

export function isImageFile(file: ContainerFile): boolean {
  return IMAGE_FILE.test(file.filename ?? "");
}

function Card({ title, status, children, label }: { title: ReactNode; status?: ReactNode; children?: ReactNode; label: string }) {
  return (
    <section aria-label={label} className="rounded-lg border border-zinc-200 bg-zinc-50 text-sm">
      <header className="flex flex-wrap items-center justify-between gap-2 px-3 py-2">
        <span className="font-medium text-zinc-800">{title}</span>
        {status ? <span className="text-xs text-zinc-500">{status}</span> : null}
      </header>
      {children ? <div className="space-y-2 border-t border-zinc-200 px-3 py-2">{children}</div> : null}
    </section>
  );
}

function Spinner() {
  return (
    <span
      aria-hidden="true"
      className="mr-1 inline-block h-3 w-3 animate-spin rounded-full border-2 border-zinc-300 border-t-zinc-600 align-[-2px]"
    />
  );
}

/** Arguments as readable key/value pairs, also while the JSON is still arriving. */
export function Arguments({ text }: { text: string }) {
  const value = parsePartialJson(text);
  if (value && typeof value === "object" && !Array.isArray(value)) {
    const entries = Object.entries(value as Record<string, unknown>);
    if (!entries.length) return <p className="text-zinc-500">No arguments</p>;
    return (
      <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-1">
        {entries.map(([key, v]) => (
          <div key={key} className="contents">
            <dt className="font-mono text-xs text-zinc-500">{key}</dt>
            <dd className="break-words font-mono text-xs">{typeof v === "string" ? v : JSON.stringify(v)}</dd>
          </div>
        ))}
      </dl>
    );
  }
  if (!text.trim()) return null;
  return <pre className="overflow-x-auto whitespace-pre-wrap break-words font-mono text-xs">{text}</pre>;
}

function Output({ text, label = "Output" }: { text: string; label?: string }) {
  let pretty = text;
  try {
    pretty = JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    // not JSON: show as is
  }
  return (
    <div>
      <div className="text-xs font-medium text-zinc-500">{label}</div>
      <pre className="mt-1 max-h-64 overflow-auto whitespace-pre-wrap break-words rounded bg-white p-2 font-mono text-xs">
        {pretty}
      </pre>
    </div>
  );
}

export function FunctionCallView({ item }: { item: Kind<"function_call"> }) {
  const status = {
    streaming: (
      <>
        <Spinner />
        Receiving arguments…
      </>
    ),
    ready: "Waiting to run",
    running: (
      <>
        <Spinner />
        Running…
      </>
    ),
    done: "Done",
    skipped: "Not run",
  }[item.status];
  return (
    <Card label={`Function call ${item.name}`} title={<>Function <code className="font-mono">{item.name}</code></>} status={status}>
      <Arguments text={item.arguments} />
      {item.output !== undefined ? <Output text={item.output} /> : null}
    </Card>
  );
}

export function SearchView({ item }: { item: Kind<"web_search"> | Kind<"file_search"> }) {
  const what = item.kind === "web_search" ? "Web search" : "File search";
  return (
    <Card
      label={what}
      title={what}
      status={
        item.status === "searching" ? (
          <>
            <Spinner />
            Searching…
          </>
        ) : (
          "Done"
        )
      }
    >
      {item.queries.length ? (
        <ul className="list-disc pl-5 text-zinc-700">
          {item.queries.map((q) => (
            <li key={q}>{q}</li>
          ))}
        </ul>
      ) : null}
    </Card>
  );
}

export function ContainerFileLinks({ files, preview }: { files: ContainerFile[]; preview: boolean }) {
  if (!files.length) return null;
  return (
    <ul className="space-y-2">
      {files.map((file) => {
        const url = api.containerFileUrl(file);
        const name = file.filename || file.fileId;
        return (
          <li key={file.fileId} className="space-y-1">
            {preview && isImageFile(file) ? (
              // A file the code interpreter made, served by our backend: next/image adds nothing here.
              // eslint-disable-next-line @next/next/no-img-element
              <img
                src={url}
                alt={`Image made by the code interpreter: ${name}`}
                className="max-h-96 max-w-full rounded border border-zinc-200 bg-white"
                loading="lazy"
              />
            ) : null}
            <a href={url} download={name} className="text-sky-700 underline hover:text-sky-900">
              Download {name}
            </a>
          </li>
        );
      })}
    </ul>
  );
}

function codeFence(code: string): string {
  const longest = Math.max(2, ...Array.from(code.matchAll(/`+/g), (m) => m[0].length));
  const fence = "`".repeat(longest + 1);
  return `${fence}python\n${code}\n${fence}`;
}

export function CodeInterpreterView({ item }: { item: Kind<"code_interpreter"> }) {
  const status = {
    writing: (
      <>
        <Spinner />
        Writing code…
      </>
    ),
    running: (
      <>
        <Spinner />
        Running code…
      </>
    ),
    done: "Done",
  }[item.status];
  return (
    <Card label="Code interpreter" title="Code interpreter" status={status}>
      {item.code ? <Markdown text={codeFence(item.code)} /> : null}
      {item.logs.map((log, i) => (
        <Output key={i} label="Logs" text={log} />
      ))}
      <ContainerFileLinks files={item.files} preview />
    </Card>
  );
}

export function McpToolsView({ item }: { item: Kind<"mcp_list_tools"> }) {
  return (
    <section aria-label={`Tools of ${item.serverLabel}`} className="rounded-lg border border-zinc-200 bg-zinc-50 text-sm">
      <details>
        <summary className="cursor-pointer px-3 py-2 font-medium text-zinc-800">
          MCP server <span className="font-mono">{item.serverLabel}</span> offers {item.tools.length}{" "}
          {item.tools.length === 1 ? "tool" : "tools"}
        </summary>
        <ul className="space-y-1 border-t border-zinc-200 px-3 py-2">
          {item.tools.map((tool) => (
            <li key={tool.name}>
              <span className="font-mono text-xs font-semibold">{tool.name}</span>
              {tool.description ? <span className="text-zinc-600"> — {tool.description}</span> : null}
            </li>
          ))}
        </ul>
      </details>
      {item.error ? <p className="px-3 pb-2 text-red-700">{item.error}</p> : null}
    </section>
  );
}

export function McpCallView({ item }: { item: Kind<"mcp_call"> }) {
  return (
    <Card
      label={`MCP call ${item.name}`}
      title={
        <>
          MCP <span className="font-mono">{item.serverLabel}</span> · <code className="font-mono">{item.name}</code>
        </>
      }
      status={
        item.status === "running" ? (
          <>
            <Spinner />
            Running…
          </>
        ) : item.status === "failed" ? (
          "Failed"
        ) : (
          "Done"
        )
      }
    >
      <Arguments text={item.arguments} />
      {item.output !== undefined ? <Output text={item.output} /> : null}
      {item.error ? <p className="text-red-700">{item.error}</p> : null}
    </Card>
  );
}

export function ApprovalView({
  item,
  canAnswer,
  onAnswer,
}: {
  item: Kind<"mcp_approval_request">;
  canAnswer: boolean;
  onAnswer: (approve: boolean) => void;
}) {
  return (
    <section
      aria-label={`Approval request for ${item.name}`}
      className="rounded-lg border border-amber-300 bg-amber-50 text-sm"
    >
      <div className="space-y-2 px-3 py-2">
        <p className="font-medium text-amber-900">
          The MCP server <span className="font-mono">{item.serverLabel}</span> asks to run{" "}
          <code className="font-mono">{item.name}</code>
        </p>
        <Arguments text={item.arguments} />
        {item.decision ? (
          <p className="text-amber-900">{item.decision === "approved" ? "You approved this call." : "You declined this call."}</p>
        ) : canAnswer ? (
          <div className="flex gap-2">
            <button
              type="button"
              onClick={() => onAnswer(true)}
              className="rounded-md bg-emerald-700 px-3 py-1.5 font-medium text-white hover:bg-emerald-800 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-emerald-700"
            >
              Approve
            </button>
            <button
              type="button"
              onClick={() => onAnswer(false)}
              className="rounded-md border border-zinc-300 bg-white px-3 py-1.5 font-medium text-zinc-800 hover:bg-zinc-100 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-zinc-500"
            >
              Decline
            </button>
          </div>
        ) : (
          <p className="text-amber-900">Not answered.</p>
        )}
      </div>
    </section>
  );
}
