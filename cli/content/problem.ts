/**
 * A problem found in the content repository, located for a human: file, line,
 * column, the field inside the file, what is wrong and how to fix it.
 *
 * @example
 * formatProblem({ severity: "error", file: "content/segments.yaml", line: 4, column: 9,
 *   field: "gold.attr", message: "unknown attribute 'profile.teir'", fix: "did you mean profile.tier?" });
 * // "content/segments.yaml:4:9 gold.attr — unknown attribute 'profile.teir' — did you mean profile.tier?"
 */
import { closest } from "../../src/engine/did-you-mean.ts";

export interface Problem {
  severity: "error" | "warning";
  /** Path as the editor should open it (relative to the working directory when inside it). */
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  /** Dotted path inside the file, e.g. `audience.all[0].attr`; "" for the whole file. */
  field: string;
  message: string;
  fix: string;
}

/** A path into a JSON/YAML value: object keys and array indexes. */
export type Key = string | number;

export function formatProblem(p: Problem): string {
  const where = `${p.file}:${p.line}:${p.column}`;
  const tag = p.severity === "warning" ? " warning:" : "";
  const field = p.field ? ` ${p.field}` : "";
  return `${where}${tag}${field} — ${p.message} — ${p.fix}`;
}

/** `["audience", "all", 0, "attr"]` → `audience.all[0].attr`. */
export function fieldPath(path: readonly Key[]): string {
  let out = "";
  for (const k of path) out += typeof k === "number" ? `[${k}]` : out === "" ? k : `.${k}`;
  return out;
}

/** Problems in reading order: by file, then position. */
export function sortProblems(problems: Problem[]): Problem[] {
  return [...problems].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.column - b.column));
}

/** " Did you mean 'x'?" for a close candidate (src/engine/did-you-mean.ts: the one rule), else "". */
export function didYouMean(name: string, candidates: Iterable<string>): string {
  const best = closest(name, candidates);
  return best === undefined ? "" : ` Did you mean '${best}'?`;
}
