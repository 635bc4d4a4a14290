import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";

import { Markdown } from "@/components/chat/Markdown";

const render = (text: string) => renderToStaticMarkup(<Markdown text={text} />);

describe("Markdown", () => {
  it("renders GitHub tables, lists and code with highlighting", () => {
    const html = render("| a | b |\n|---|---|\n| 1 | 2 |\n\n- one\n- two\n\n```python\nprint('hi')\n```");
    expect(html).toContain("<table>");
    expect(html).toContain("<li>one</li>");
    expect(html).toContain('class="hljs language-python"');
    expect(html).toContain("Copy");
  });

  it("renders math with KaTeX", () => {
    expect(render("Euler: \\( e^{i\\pi} + 1 = 0 \\)")).toContain('class="katex"');
    expect(render("$$\nx^2\n$$")).toContain("katex-display");
  });

  it("shows raw HTML as text and never as markup", () => {
    const html = render('Hi <script>alert("x")</script> <img src=x onerror="alert(1)">');
    expect(html).not.toContain("<script");
    expect(html).not.toContain("<img");
    expect(html).toContain("&lt;script&gt;");
    expect(html).toContain("&lt;img src=x onerror=");
  });

  it("drops javascript: links", () => {
    const html = render("[click](javascript:alert(1))");
    expect(html).not.toContain("javascript:");
  });

  it("opens links in a new tab without handing over the opener", () => {
    expect(render("[docs](https://example.com)")).toContain('rel="noopener noreferrer nofollow"');
  });
});
