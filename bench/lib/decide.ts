/**
 * The decide() micro-benchmark (bench/decide-bench.ts) in its own Node process after the
 * rounds, and how its figure is printed: a line under the table, a row in `--json`.
 *
 * @example
 * const d = await runDecideBench(join(BENCH_DIR, "decide-bench.ts"), REPO);
 * decideLine(d); // "decide (bench/decide-bench.ts): 4,321 decisions/s (50 slots × 20 variants …)"
 * decideRow(d);  // { scenario: "decide", decisions_per_s: 4321 }
 */
import { existsSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { runBounded } from "./procs.ts";

export interface DecideFigure {
  decisionsPerSecond: number;
  slots: number;
  variants: number;
  slotDecisionsPerSecond?: number;
  /** The same with each decision's clock spread over six hours (the method before session 20; bench/README.md). */
  spreadClockDecisionsPerSecond?: number;
}

/** What the micro-benchmark gave: its figure, or why there is none. */
export type DecideOutcome = { ok: true; figure: DecideFigure } | { ok: false; problem: string };

/** The `--json` row of the decide figure (issue 17); the spread-clock figure when measured. */
export interface DecideRow {
  scenario: "decide";
  decisions_per_s: number;
  decisions_per_s_spread_clock?: number;
}

const MARK = "BENCH_DECIDE ";

/** The figure in the child's output, or why there is none. */
export function parseDecideOutput(stdout: string): DecideOutcome {
  const line = stdout.split("\n").find((l) => l.startsWith(MARK));
  if (!line) return { ok: false, problem: "bench/decide-bench.ts printed no result" };
  const r = JSON.parse(line.slice(MARK.length)) as DecideFigure;
  if (!Number.isFinite(r.decisionsPerSecond)) return { ok: false, problem: `bench/decide-bench.ts printed ${line.slice(MARK.length, 200)}` };
  return { ok: true, figure: r };
}

/** Null when the repository has no decide bench. */
export async function runDecideBench(file: string, cwd: string): Promise<DecideOutcome | null> {
  if (!existsSync(file)) return null;
  const code = `const m = await import(${JSON.stringify(pathToFileURL(file).href)});
const r = await m.benchDecide();
console.log(${JSON.stringify(MARK)} + JSON.stringify(r));`;
  try {
    const { stdout } = await runBounded(process.execPath, ["--input-type=module", "-e", code], { cwd, timeoutMs: 120_000 });
    return parseDecideOutput(stdout);
  } catch (e) {
    return { ok: false, problem: `bench/decide-bench.ts failed: ${(e as Error).message.split("\n")[0]}` };
  }
}

const n = (x: number) => Math.round(x).toLocaleString("en-US");

export function decideLine(d: DecideOutcome): string {
  if (!d.ok) return `decide: ${d.problem}`;
  const r = d.figure;
  const perSlot = r.slotDecisionsPerSecond ? `, ${n(r.slotDecisionsPerSecond)} slot decisions/s` : "";
  const spread = r.spreadClockDecisionsPerSecond ? `; ${n(r.spreadClockDecisionsPerSecond)} decisions/s with the clock spread over six hours` : "";
  return `decide (bench/decide-bench.ts): ${n(r.decisionsPerSecond)} decisions/s (${r.slots} slots × ${r.variants} variants per decision${perSlot}; pure engine in Node, no I/O${spread})`;
}

export function decideRow(d: DecideOutcome): DecideRow | null {
  if (!d.ok) return null;
  const row: DecideRow = { scenario: "decide", decisions_per_s: Math.round(d.figure.decisionsPerSecond) };
  const spread = d.figure.spreadClockDecisionsPerSecond;
  if (spread !== undefined && Number.isFinite(spread)) row.decisions_per_s_spread_clock = Math.round(spread);
  return row;
}
