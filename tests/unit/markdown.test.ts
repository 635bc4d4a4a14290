import { describe, expect, it } from "vitest";

import { normaliseMathDelimiters, parsePartialJson } from "@/lib/markdown";

describe("normaliseMathDelimiters", () => {
  it("turns \\( \\) and \\[ \\] into dollar math", () => {
    expect(normaliseMathDelimiters("the values \\( x \\) and \\( y \\)")).toBe("the values $$x$$ and $$y$$");
    expect(normaliseMathDelimiters("so \\[ E = mc^2 \\] holds")).toBe("so \n$$\nE = mc^2\n$$\n holds");
  });

  it("leaves code alone", () => {
    const code = "```python\nprint('\\\\( not math \\\\)')\n```";
    expect(normaliseMathDelimiters(code)).toBe(code);
    expect(normaliseMathDelimiters("use `\\(x\\)` literally")).toBe("use `\\(x\\)` literally");
  });
});

describe("parsePartialJson", () => {
  it("reads complete JSON", () => {
    expect(parsePartialJson('{"location":"Paris"}')).toEqual({ location: "Paris" });
  });

  it("reads JSON that is still streaming in", () => {
    expect(parsePartialJson('{"location":"San Fr')).toEqual({ location: "San Fr" });
    expect(parsePartialJson('{"location":"Paris","unit"')).toEqual({ location: "Paris" });
    expect(parsePartialJson('{"location":"Paris","unit":')).toEqual({ location: "Paris" });
    expect(parsePartialJson('{"a":[1,2')).toEqual({ a: [1, 2] });
    expect(parsePartialJson('{"')).toEqual({});
  });

  it("gives undefined for nothing at all", () => {
    expect(parsePartialJson("")).toBeUndefined();
  });
});
