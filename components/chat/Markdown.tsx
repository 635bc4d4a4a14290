"use client";

import { memo, useState, type ComponentPropsWithoutRef, type ReactNode } from "react";
import ReactMarkdown, { defaultUrlTransform, type Components, type Options } from "react-markdown";
import rehypeHighlight from "rehype-highlight";
import rehypeKatex from "rehype-katex";
import rehypeSanitize, { defaultSchema } from "rehype-sanitize";
import remarkGfm from "remark-gfm";
import remarkMath from "remark-math";

import { API_BASE_URL } from "@/lib/api-config";
import { isOwnImage, normaliseMathDelimiters } from "@/lib/markdown";

interface MdNode {
  type: string;
  value?: string;
  children?: MdNode[];
}

/**
 * Raw HTML in a model's answer is shown as the text it is, never parsed:
 * `<script>` or `<img onerror>` then reads as what was written.
 */
function remarkHtmlAsText() {
  const walk = (node: MdNode) => {
    if (!node.children) return;
    for (const child of node.children) {
      if (child.type === "html") child.type = "text";
      else walk(child);
    }
  };
  return (tree: MdNode) => walk(tree);
}

// The sanitiser runs before KaTeX and highlighting, whose own markup is trusted;
// it only has to let through the class names those two look for.
const sanitizeSchema = {
  ...defaultSchema,
  // data: images are our own kind (isOwnImage); every other data: URL is still dropped.
  protocols: { ...defaultSchema.protocols, src: [...(defaultSchema.protocols?.src ?? []), "data", "blob"] },
  attributes: {
    ...defaultSchema.attributes,
    code: [
      ...(defaultSchema.attributes?.code ?? []),
      ["className", /^language-./, "math-inline", "math-display"],
    ],
  },
};

function textOf(node: unknown): string {
  if (!node || typeof node !== "object") return "";
  const n = node as { type?: string; value?: unknown; children?: unknown[] };
  if (n.type === "text" && typeof n.value === "string") return n.value;
  return (n.children ?? []).map(textOf).join("");
}

export function CopyButton({ text, label = "Copy code" }: { text: string; label?: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      aria-label={copied ? "Copied" : label}
      onClick={() => {
        void navigator.clipboard?.writeText(text).then(
          () => {
            setCopied(true);
            setTimeout(() => setCopied(false), 1500);
          },
          () => undefined,
        );
      }}
      className="rounded px-2 py-0.5 text-xs text-zinc-300 hover:bg-zinc-700 hover:text-white focus-visible:outline-2 focus-visible:outline-sky-400"
    >
      {copied ? "Copied" : "Copy"}
    </button>
  );
}

function Pre({ node, children, ...rest }: ComponentPropsWithoutRef<"pre"> & { node?: unknown }) {
  const code = textOf(node).replace(/\n$/, "");
  const codeEl = (node as { children?: { properties?: { className?: unknown } }[] } | undefined)?.children?.[0];
  const classes = codeEl?.properties?.className;
  const language = Array.isArray(classes)
    ? classes.map(String).find((c) => c.startsWith("language-"))?.slice(9)
    : undefined;
  return (
    <div className="code-block my-3 overflow-hidden rounded-lg bg-zinc-900 text-zinc-100">
      <div className="flex items-center justify-between border-b border-zinc-700 px-3 py-1 text-xs text-zinc-400">
        <span>{language ?? "code"}</span>
        <CopyButton text={code} />
      </div>
      <pre {...rest} className="overflow-x-auto p-3 text-sm leading-relaxed">
        {children}
      </pre>
    </div>
  );
}

function Link({ children, href, ...rest }: ComponentPropsWithoutRef<"a"> & { node?: unknown }) {
  const { node: _node, ...props } = rest as typeof rest & { node?: unknown };
  void _node;
  return (
    <a {...props} href={href} target="_blank" rel="noopener noreferrer nofollow">
      {children}
    </a>
  );
}

function Table({ children, node: _node, ...rest }: ComponentPropsWithoutRef<"table"> & { node?: unknown }) {
  void _node;
  return (
    <div className="my-3 overflow-x-auto">
      <table {...rest}>{children}</table>
    </div>
  );
}

function Image({ src, alt, node: _node, ...rest }: ComponentPropsWithoutRef<"img"> & { node?: unknown }) {
  void _node;
  const address = typeof src === "string" ? src : undefined;
  if (isOwnImage(address, API_BASE_URL)) {
    // eslint-disable-next-line @next/next/no-img-element -- our own files, sized by the answer
    return <img {...rest} src={address} alt={alt ?? ""} />;
  }
  // Not fetched until the person chooses to open it.
  return (
    <a href={address} target="_blank" rel="noopener noreferrer nofollow" className="break-all">
      {`Image: ${alt || address || "(no address)"}`}
    </a>
  );
}

const components: Components = { pre: Pre, a: Link, table: Table, img: Image };

// A single dollar sign is money in answers, not math (lib/markdown.ts).
const remarkPlugins = [remarkGfm, [remarkMath, { singleDollarTextMath: false }], remarkHtmlAsText] satisfies Options["remarkPlugins"];
const rehypePlugins = [
  [rehypeSanitize, sanitizeSchema],
  [rehypeKatex, { throwOnError: false, strict: false }],
  [rehypeHighlight, { detect: false }],
] as NonNullable<ComponentPropsWithoutRef<typeof ReactMarkdown>["rehypePlugins"]>;

/** react-markdown's own URL check, which drops data: and blob: URLs, but for images of ours. */
function urlTransform(url: string, key: string): string | null | undefined {
  if (key === "src" && /^(data:image\/|blob:)/i.test(url)) return url;
  return defaultUrlTransform(url);
}

function MarkdownImpl({ text }: { text: string }): ReactNode {
  return (
    <div className="markdown">
      <ReactMarkdown
        remarkPlugins={remarkPlugins}
        rehypePlugins={rehypePlugins}
        components={components}
        urlTransform={urlTransform}
      >
        {normaliseMathDelimiters(text)}
      </ReactMarkdown>
    </div>
  );
}

export const Markdown = memo(MarkdownImpl);
