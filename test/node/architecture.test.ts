/**
 * The shape of src/, checked from its source with the TypeScript compiler's own import
 * scanner (`ts.preProcessFile`: every `import`, `import type`, `export … from` and dynamic
 * `import()`), so a newcomer can read the data flow off the tree:
 *  - no import circle, type-only imports included (shared types live in their own files),
 *    between files and between src/'s folders (each folder, and each file at the top, one
 *    node): identity ↔ privacy or rewrite ↔ visitor through different files is a circle too;
 *  - nothing outside src/app.ts and src/index.ts imports src/routes/ (the handlers are the
 *    top of the flow: the page path, the engine and the stores never reach up into them).
 * `importGraph` and `findCycles` are tested on a small hand-made graph first, so a checker
 * that found nothing could not pass for a tree without problems.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const SRC = join(ROOT, "src");

/** Every source file under `dir`, relative to it ("routes/decide.ts"). */
function sourceFiles(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => /\.(ts|js)$/.test(f) && !f.endsWith(".d.ts"))
    .map((f) => f.split("\\").join("/"))
    .sort();
}

/** file → the files it imports (relative specifiers only; packages and `cloudflare:*` are not ours). */
function importGraph(files: ReadonlyMap<string, string>): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const [file, text] of files) {
    const info = ts.preProcessFile(text, true, true);
    const targets = info.importedFiles
      .map((f) => f.fileName)
      .filter((spec) => spec.startsWith("."))
      .map((spec) => join(dirname(file), spec).split("\\").join("/"));
    for (const t of targets) if (!files.has(t)) throw new Error(`${file} imports ${t}, which is not a source file`);
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/** Every elementary circle's strongly connected component with more than one file, or a file importing itself. */
function findCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  // Tarjan's strongly connected components: any component of two or more files is a circle.
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    indices.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!indices.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, indices.get(w)!));
      }
    }
    if (low.get(v) === indices.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(component.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!indices.has(v)) visit(v);
  return out;
}

/** The same graph between src/'s folders ("identity/") and top-level files ("config.ts"). */
function folderGraph(graph: ReadonlyMap<string, readonly string[]>): Map<string, string[]> {
  const node = (f: string) => (f.includes("/") ? `${f.slice(0, f.indexOf("/"))}/` : f);
  const out = new Map<string, Set<string>>();
  for (const [file, targets] of graph) {
    const from = node(file);
    const set = out.get(from) ?? new Set<string>();
    for (const t of targets) if (node(t) !== from) set.add(node(t));
    out.set(from, set);
  }
  return new Map([...out].map(([k, v]) => [k, [...v].sort()]));
}

/** Imports of src/routes/ from anywhere but the app's entry points. */
function upwardImports(graph: ReadonlyMap<string, readonly string[]>): string[] {
  const entry = new Set(["app.ts", "index.ts"]);
  const bad: string[] = [];
  for (const [file, targets] of graph) {
    if (entry.has(file) || file.startsWith("routes/")) continue;
    for (const t of targets) if (t.startsWith("routes/")) bad.push(`${file} → ${t}`);
  }
  return bad.sort();
}

describe("the checker itself", () => {
  const files = new Map([
    ["a.ts", 'import { b } from "./b.ts";\nexport const a = 1;'],
    ["b.ts", 'import type { C } from "./dir/c.ts";\nexport const b = 2;'],
    ["dir/c.ts", 'export type { A } from "../a.ts";\nexport type C = number;'],
    ["d.ts", 'const lazy = () => import("./routes/x.ts");\nimport "./e.ts";'],
    ["e.ts", 'import { z } from "hono";\nimport { w } from "cloudflare:workers";'],
    ["routes/x.ts", 'import { a } from "../a.ts";'],
    ["app.ts", 'import { x } from "./routes/x.ts";'],
  ]);
  const graph = importGraph(files);

  it("reads value, type-only, re-export, side-effect and dynamic imports; ignores packages", () => {
    expect(graph.get("a.ts")).toEqual(["b.ts"]);
    expect(graph.get("b.ts")).toEqual(["dir/c.ts"]);
    expect(graph.get("dir/c.ts")).toEqual(["a.ts"]);
    expect(graph.get("d.ts")).toEqual(["routes/x.ts", "e.ts"]);
    expect(graph.get("e.ts")).toEqual([]);
  });

  it("finds a circle through a type-only import and a re-export, and an import of routes/ from below", () => {
    expect(findCycles(graph)).toEqual([["a.ts", "b.ts", "dir/c.ts"]]);
    expect(upwardImports(graph)).toEqual(["d.ts → routes/x.ts"]);
  });

  it("finds a circle between folders that no two files make", () => {
    const files2 = new Map([
      ["identity/resolve.ts", 'import { signals } from "../privacy/signals.ts";'],
      ["privacy/signals.ts", 'import { readCookie } from "../identity/cookies.ts";'],
      ["identity/cookies.ts", "export const readCookie = 1;"],
    ]);
    const g = importGraph(files2);
    expect(findCycles(g)).toEqual([]);
    expect(findCycles(folderGraph(g))).toEqual([["identity/", "privacy/"]]);
  });

  it("finds a file that imports itself, and nothing in a tree without circles", () => {
    expect(findCycles(new Map([["s.ts", ["s.ts"]]]))).toEqual([["s.ts"]]);
    expect(findCycles(new Map([["a.ts", ["b.ts"]], ["b.ts", []]]))).toEqual([]);
  });
});

describe("src/", () => {
  const files = new Map(sourceFiles(SRC).map((f) => [f, readFileSync(join(SRC, f), "utf8")]));
  const graph = importGraph(files);

  it("is read whole (the checker sees the page path, the routes and the engine)", () => {
    for (const f of ["personalize.ts", "app.ts", "routes/decide.ts", "engine/decide.ts"]) expect(files.has(f), f).toBe(true);
    expect([...graph.values()].flat().length).toBeGreaterThan(files.size);
  });

  it("has no import circle", () => {
    const cycles = findCycles(graph).map((c) => c.join(" ↔ "));
    expect(cycles, `import circles in src/ (${relative(ROOT, SRC)}): move shared types into their own file`).toEqual([]);
  });

  it("has no import circle between its folders", () => {
    const cycles = findCycles(folderGraph(graph)).map((c) => c.join(" ↔ "));
    expect(cycles, "folders of src/ that import each other: the data flow must run one way").toEqual([]);
  });

  it("imports src/routes/ only from src/app.ts and src/index.ts", () => {
    expect(upwardImports(graph)).toEqual([]);
  });
});
