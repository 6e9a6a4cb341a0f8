/**
 * The client script as served (src/client/compact.ts): the source less its comment lines and
 * indentation, nothing else; safe only because the source has no template literal and no
 * string across lines, which this test holds.
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

  it("leaves out whole-line comments and indentation, and keeps every other line as it was", () => {
    const out = compactScript(SOURCE);
    const code = SOURCE.split("\n").filter((l) => !/^\s*\/\//.test(l));
    expect(out.split("\n")).toEqual(code.map((l) => l.trimStart()));
    expect(out).not.toMatch(/^\s*\/\//m);
    expect(out.length).toBeLessThan(SOURCE.length * 0.85);
  });

  it("is still a script that parses (a line-preserving change: automatic semicolons fall where they did)", () => {
    expect(() => new Function(compactScript(SOURCE))).not.toThrow();
    expect(compactScript("(function () {\n  // why\n  var a = 1; // kept\n  return a\n})();")).toBe("(function () {\nvar a = 1; // kept\nreturn a\n})();");
  });
});
