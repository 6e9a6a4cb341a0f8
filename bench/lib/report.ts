/**
 * Turns per-round measurements into the result rows (medians over rounds; ratios taken
 * within each round, then their median) and prints them. Pure; tested in test/node/bench/.
 *
 * @example
 * const rows = summarize(rounds, ["passthrough", "p13n-personalized"], "passthrough");
 * console.log(formatTable(rows));
 */
import { median, round } from "./stats.ts";

/** One scenario's figures from one round. */
export interface RoundSample {
  round: number;
  scenario: string;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  ttfbMs: number | null;
  ttlbMs: number | null;
  /** The serving workerd's CPU (utime+stime) per request served, ms; null when /proc is unreadable. */
  cpuMs: number | null;
  /** The objects' workerd CPU per request served, ms (real worker only; absent or null otherwise). */
  doCpuMs?: number | null;
  /** Stub calls the objects answered per request served (real worker only). */
  doCalls?: number | null;
  /** Visitor-state read statuses of the sampled responses (Server-Timing `state`), counted. */
  states?: Record<string, number>;
  /** The same, counted over the measured load (scenarios with visitor memory only). */
  loadStates?: Record<string, number>;
  bytesPerReq: number;
  errors: number;
  requests: number;
}

/** A result row; the first seven keys are the stable `--json` contract (issue 8). */
export interface Row {
  scenario: string;
  rps: number | null;
  ratio: number | null;
  p50_ms: number | null;
  p99_ms: number | null;
  ttfb_ms: number | null;
  cpu_ms: number | null;
  ttlb_ms: number | null;
  kb_per_resp: number | null;
  slots_filled: number | null;
  errors: number;
  rounds: number;
  /** CPU of the objects' process per request (the Durable Objects' own work, elsewhere in production). */
  do_cpu_ms: number | null;
  /** Stub calls that reached the objects per request (snapshot reads, records, …). */
  do_calls: number | null;
  /** How the sampled responses' state reads went: "hit", "timeout 40%"…; null when none reports one. */
  state: string | null;
  /** The same over the measured load (scenarios with visitor memory only): do reads keep up under load? */
  state_load: string | null;
}

/**
 * The most common state-read status over all rounds, with its share when not every
 * response had it ("hit", "timeout", "hit 93%"); null when no response reported one.
 *
 * @example
 * stateSummary([{ hit: 28, timeout: 2 }]); // "hit 93%"
 */
export function stateSummary(counts: readonly (Record<string, number> | undefined)[]): string | null {
  const total = new Map<string, number>();
  for (const c of counts) for (const [k, n] of Object.entries(c ?? {})) total.set(k, (total.get(k) ?? 0) + n);
  const all = [...total.values()].reduce((a, n) => a + n, 0);
  if (all === 0) return null;
  const [name, n] = [...total].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]!;
  const label = name || "?";
  return n === all ? label : `${label} ${Math.floor((100 * n) / all)}%`;
}

export function summarize(
  samples: readonly RoundSample[],
  scenarios: readonly string[],
  reference: string,
  slotsFilled: Record<string, number | null> = {},
): Row[] {
  return scenarios.map((scenario) => {
    const mine = samples.filter((s) => s.scenario === scenario);
    const ratios = mine.map((s) => {
      const ref = samples.find((r) => r.scenario === reference && r.round === s.round);
      return ref && ref.rps > 0 ? s.rps / ref.rps : null;
    });
    const pick = (f: (s: RoundSample) => number | null) => median(mine.map(f));
    const bytes = pick((s) => s.bytesPerReq);
    return {
      scenario,
      rps: round(pick((s) => s.rps), 0),
      ratio: round(median(ratios), 3),
      p50_ms: round(pick((s) => s.p50Ms), 2),
      p99_ms: round(pick((s) => s.p99Ms), 2),
      ttfb_ms: round(pick((s) => s.ttfbMs), 2),
      cpu_ms: round(pick((s) => s.cpuMs), 3),
      ttlb_ms: round(pick((s) => s.ttlbMs), 2),
      kb_per_resp: bytes === null ? null : round(bytes / 1024, 1),
      slots_filled: slotsFilled[scenario] ?? null,
      errors: mine.reduce((a, s) => a + s.errors, 0),
      rounds: mine.length,
      do_cpu_ms: round(pick((s) => s.doCpuMs ?? null), 3),
      do_calls: round(pick((s) => s.doCalls ?? null), 2),
      state: stateSummary(mine.map((s) => s.states)),
      state_load: stateSummary(mine.map((s) => s.loadStates)),
    };
  });
}

const COLUMNS: { key: keyof Row; title: string; digits?: number }[] = [
  { key: "scenario", title: "scenario" },
  { key: "rps", title: "req/s", digits: 0 },
  { key: "ratio", title: "ratio", digits: 2 },
  { key: "p50_ms", title: "p50 ms", digits: 2 },
  { key: "p99_ms", title: "p99 ms", digits: 1 },
  { key: "ttfb_ms", title: "TTFB ms", digits: 2 },
  { key: "ttlb_ms", title: "TTLB ms", digits: 2 },
  { key: "cpu_ms", title: "CPU ms/req", digits: 3 },
  { key: "do_cpu_ms", title: "DO CPU ms", digits: 3 },
  { key: "do_calls", title: "DO calls", digits: 2 },
  { key: "kb_per_resp", title: "KB/resp", digits: 1 },
  { key: "slots_filled", title: "slots", digits: 1 },
  { key: "state", title: "state" },
  { key: "state_load", title: "state@load" },
  { key: "errors", title: "errors", digits: 0 },
];

function cell(v: Row[keyof Row], digits: number | undefined): string {
  if (v === null || v === undefined) return "–";
  if (typeof v === "number" && digits !== undefined) return v.toFixed(digits);
  return String(v);
}

/** A plain-text table, numbers right-aligned with fixed decimals, "–" for unknown. */
export function formatTable(rows: readonly Row[]): string {
  const cells = rows.map((r) => COLUMNS.map((c) => cell(r[c.key], c.digits)));
  const widths = COLUMNS.map((c, i) => Math.max(c.title.length, ...cells.map((row) => row[i]!.length)));
  const line = (vals: string[]) =>
    vals.map((v, i) => (COLUMNS[i]!.digits === undefined ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join("  ").trimEnd();
  return [line(COLUMNS.map((c) => c.title)), line(widths.map((w) => "-".repeat(w))), ...cells.map(line)].join("\n");
}
