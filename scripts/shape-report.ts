#!/usr/bin/env node
// `npm run shape [-- folders… --max-file N --max-function N --json]`: the files over 300 lines and
// the functions over 60 in src/ (or the folders given), measured by scripts/shape/measure.ts. A
// report for reviews and closing notes, not a test: it always exits 0.
import { readdir, readFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { formatReport, measureFile, shapeReport, type FileShape } from "./shape/measure.ts";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const n = Number(args.splice(i, 2)[1]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} takes a whole number of lines`);
  return n;
};
const limits = { maxFileLines: option("--max-file", 300), maxFunctionLines: option("--max-function", 60) };
const json = args.includes("--json");
const roots = args.filter((a) => a !== "--json");
if (roots.length === 0) roots.push("src");

/** Source files under a folder: TypeScript and JavaScript, no declaration files, no node_modules. */
async function* sources(dir: string): AsyncGenerator<string> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const abs = join(dir, e.name);
    if (e.isDirectory() && e.name !== "node_modules" && !e.name.startsWith(".")) yield* sources(abs);
    else if (e.isFile() && /\.(ts|js|mjs)$/.test(e.name) && !e.name.endsWith(".d.ts")) yield abs;
  }
}

const files: FileShape[] = [];
for (const root of roots) {
  for await (const abs of sources(resolve(repo, root))) files.push(measureFile(relative(repo, abs), await readFile(abs, "utf8")));
}
const report = shapeReport(files, limits);
process.stdout.write(json ? `${JSON.stringify({ roots, limits, ...report }, null, 2)}\n` : formatReport(report, limits, roots));
