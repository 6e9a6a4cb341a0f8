/**
 * The client script as served (src/client/compact.ts): the source less its comment lines, its
 * whole-line JSDoc blocks (the types `// @ts-check` reads) and indentation, nothing else; safe
 * only because the source has no template literal, no string across lines, and JSDoc blocks
 * that start their first line and end their last, which this test holds.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compactScript } from "../../../src/client/compact.ts";

const SOURCE = readFileSync(join(import.meta.dirname, "../../../src/client/p13n.browser.js"), "utf8");

describe("compactScript", () => {
  it("holds its precondition on the client script: no template literal, no string continued on the next line", () => {
    expect(SOURCE).not.toContain("`");
    expect(SOURCE.split("\n").filter((l) => /\\$/.test(l))).toEqual([]);
  });

  it("holds its precondition on the client script: each JSDoc block opens its first line and closes at the end of its last", () => {
    const lines = SOURCE.split("\n").map((l) => l.trim());
    for (let i = 0; i < lines.length; i++) {
      if (!lines[i]!.startsWith("/**")) continue;
      let j = i;
      while (!lines[j]!.includes("*/")) j++;
      // The first close ends its line: no code after a block that compaction drops whole.
      expect(lines[j]!.indexOf("*/"), `line ${j + 1}`).toBe(lines[j]!.length - 2);
      i = j;
    }
  });

  it("leaves out whole-line comments, whole-line JSDoc blocks and indentation, and keeps every other line as it was", () => {
    const out = compactScript(SOURCE);
    const code: string[] = [];
    let inDoc = false;
    for (const line of SOURCE.split("\n")) {
      if (line.trim().startsWith("/**")) inDoc = true;
      if (inDoc) inDoc = !line.includes("*/");
      else if (!/^\s*\/\//.test(line)) code.push(line);
    }
    expect(out.split("\n")).toEqual(code.map((l) => l.trimStart()));
    expect(out).not.toMatch(/^\s*\/\//m);
    // The types cost the visitor nothing: no JSDoc line is sent (only the two inline casts).
    expect(out).not.toMatch(/^\s*(\/\*\*|\*)/m);
    expect(out.match(/\/\*\*/g)).toHaveLength(2);
    expect(out.length).toBeLessThan(SOURCE.length * 0.7);
  });

  it("drops a JSDoc block only when it is whole lines, and keeps a /*! banner", () => {
    const source = "/*! banner */\n(function () {\n  /**\n   * why\n   * @param {string} a\n   */\n  function f(a) {}\n  /** @type {number} */\n  var b = 1;\n  /** @type {number} */ var c = 2;\n})();";
    expect(compactScript(source)).toBe("/*! banner */\n(function () {\nfunction f(a) {}\nvar b = 1;\n/** @type {number} */ var c = 2;\n})();");
  });

  it("is still a script that parses (a line-preserving change: automatic semicolons fall where they did)", () => {
    expect(() => new Function(compactScript(SOURCE))).not.toThrow();
    expect(compactScript("(function () {\n  // why\n  var a = 1; // kept\n  return a\n})();")).toBe("(function () {\nvar a = 1; // kept\nreturn a\n})();");
  });
});
