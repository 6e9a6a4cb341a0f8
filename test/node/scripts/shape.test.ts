// `npm run shape`'s measuring (scripts/shape/measure.ts): line counts as an editor shows them,
// every kind of function named as a reader would search for it, nested functions counted in
// their outer one, a classic script's wrapper not counted, and the report's thresholds.
import { describe, expect, it } from "vitest";
import { formatReport, lineCount, measureFile, shapeReport } from "../../../scripts/shape/measure.ts";

const lines = (n: number, indent = "  ") => Array.from({ length: n }, (_, i) => `${indent}x${i};`).join("\n");

describe("measureFile", () => {
  it("counts lines as an editor numbers them", () => {
    expect([lineCount(""), lineCount("a"), lineCount("a\n"), lineCount("a\nb"), lineCount("a\n\nb\n")]).toEqual([0, 1, 1, 2, 3]);
  });

  it("names and measures declarations, methods, constructors, accessors, arrows and expressions", () => {
    const text = [
      "export function top() {", // 1
      "  const inner = () => {", // 2
      "    return 1;",
      "  };", // 4
      "  return inner;",
      "}", // 6
      "class Store {",
      "  constructor() {}", // 8
      "  get size() { return 0; }", // 9
      "  #load(x: number) {", // 10
      "    return x;",
      "  }", // 12
      "}",
      "const table = { eq: (a: number) => a, ne: function (a: number) { return -a; } };", // 14
      "[1].map((n) => n);", // 15
    ].join("\n");
    const { lines: n, functions } = measureFile("src/x.ts", text);
    expect(n).toBe(15);
    expect(functions).toEqual([
      { name: "top", line: 1, lines: 6 },
      { name: "top › inner", line: 2, lines: 3 },
      { name: "Store › constructor", line: 8, lines: 1 },
      { name: "Store › size", line: 9, lines: 1 },
      { name: "Store › #load", line: 10, lines: 3 },
      { name: "eq", line: 14, lines: 1 },
      { name: "ne", line: 14, lines: 1 },
      { name: "(arrow)", line: 15, lines: 1 },
    ]);
  });

  it("a classic script's top-level wrapper is its scope, not a function; its functions count", () => {
    const script = `(function () {\n  "use strict";\n  function send() {\n${lines(70, "    ")}\n  }\n})();\n`;
    expect(measureFile("src/client/a.browser.js", script).functions).toEqual([{ name: "send", line: 3, lines: 72 }]);
    // A wrapper that is not the file's own statement is an ordinary function.
    const nested = `const x = (function () {\n${lines(3)}\n})();\n`;
    expect(measureFile("a.js", nested).functions).toEqual([{ name: "(function)", line: 1, lines: 5 }]);
  });
});

describe("shapeReport", () => {
  const files = [
    measureFile("src/big.ts", `function long() {\n${lines(61)}\n}\n${lines(240, "")}\n`),
    measureFile("src/small.ts", `function short() {\n${lines(58)}\n}\n`),
  ];

  it("lists files over the file limit and functions over the function limit, longest first", () => {
    const r = shapeReport(files, { maxFileLines: 300, maxFunctionLines: 60 });
    expect(r.files).toBe(2);
    expect(r.functions).toBe(2);
    expect(r.largeFiles.map((f) => [f.file, f.lines])).toEqual([["src/big.ts", 303]]);
    expect(r.longFunctions).toEqual([{ file: "src/big.ts", name: "long", line: 1, lines: 63 }]);
    // At the limit is within it.
    expect(shapeReport(files, { maxFileLines: 303, maxFunctionLines: 63 })).toMatchObject({ largeFiles: [], longFunctions: [] });
  });

  it("prints a table a closing note can quote", () => {
    const limits = { maxFileLines: 300, maxFunctionLines: 60 };
    expect(formatReport(shapeReport(files, limits), limits, ["src"])).toBe(
      ["src: 2 files, 2 functions", "", "Files over 300 lines: 1", "    303  src/big.ts", "", "Functions over 60 lines: 1", "     63  src/big.ts:1  long", ""].join("\n"),
    );
  });
});
