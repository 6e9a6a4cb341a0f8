/**
 * What `npm run bench` prints on stdout: the table with its legend and the pages list, or
 * with `--json` the rows as a JSON array (the decide figure as one more row). Pure; tested
 * in test/node/bench/.
 *
 * @example
 * process.stdout.write(jsonReport(rows, decide));
 */
import type { BenchOptions } from "./args.ts";
import { decideLine, decideRow, type DecideOutcome, type DecideRow } from "./decide.ts";
import type { PageInfo } from "./pages.ts";
import { formatTable, type Row } from "./report.ts";
import type { SanityResult } from "./sanity.ts";

/** `--json`: the scenario rows, then `{"scenario":"decide","decisions_per_s":N}` when decide ran. */
export function jsonReport(rows: readonly Row[], decide: DecideOutcome | null): string {
  const out: (Row | DecideRow)[] = [...rows];
  const d = decide ? decideRow(decide) : null;
  if (d) out.push(d);
  return `${JSON.stringify(out, null, 2)}\n`;
}

export interface TextReport {
  workerdVersion: string;
  loadTool: string;
  opts: Pick<BenchOptions, "connections" | "rounds" | "seconds" | "warmup" | "ttfbSamples">;
  manifestSource: string;
  manifestSlots: readonly string[];
  slotIds: readonly string[];
  reference: string;
  rows: readonly Row[];
  /** Object round trips the scenarios ran with (name → ms), for the legend. */
  objectRtts: Record<string, number>;
  decide: DecideOutcome | null;
  /** The p13n isolate's page templates after the rounds, when it said. */
  held: string | null;
  pages: readonly PageInfo[];
  sanity: Record<string, SanityResult>;
  tookS: number;
}

function legend(r: TextReport): string[] {
  const far = Object.entries(r.objectRtts).filter(([, ms]) => ms > 0);
  return [
    `ratio = req/s ÷ ${r.reference} req/s in the same round (median of rounds); every figure is a median over rounds.`,
    `CPU = the serving workerd process's utime+stime ÷ requests served (for the real worker: the edge process only);`,
    `DO CPU = the same for the Durable Objects' own workerd process (real worker only; elsewhere in production).`,
    `TTFB/TTLB = sequential sampler, headers / last byte, median of ${r.opts.ttfbSamples}; state = its responses' visitor-state reads (Server-Timing).`,
    `objects reached over a socket, round trip 0 ms${far.length ? `; ${far.map(([s, ms]) => `${s} ${ms} ms`).join(", ")}` : ""}.`,
    `slots = data-p13n-variant attributes per page, mean over pages (of ${r.slotIds.length} added: ${r.slotIds.join(", ")}; ` +
      `${r.slotIds.filter((id) => !r.manifestSlots.includes(id)).join(", ") || "none"} without content in the manifest).`,
  ];
}

function pagesList(r: TextReport): string[] {
  const names = r.rows.map((x) => x.scenario).filter((s) => r.sanity[s]);
  const out = ["pages:"];
  for (const p of r.pages) {
    const filled = names.map((s) => r.sanity[s]!.perPage.find((x) => x.page === p.name)?.filled ?? "–");
    out.push(
      `  ${p.name.padEnd(32)} ${(p.bytes / 1024).toFixed(0).padStart(5)} KB  ${(p.charset ?? "-").padEnd(7)}${p.utf8 ? "" : " (not UTF-8)"}  ` +
        `slots on ${p.slots.map((x) => x.split(":")[1]).join(",")}  filled ${filled.join("/")}`,
    );
  }
  const ref = r.sanity[r.reference];
  if (ref && ref.perPage.some((x) => !x.identical)) out.push(`  note: ${r.reference} did not return some pages byte for byte`);
  out.push(`  (filled = per scenario: ${names.join("/")})`);
  return out;
}

/** The human-readable report. */
export function textReport(r: TextReport): string {
  const o = r.opts;
  const out = [
    `p13n-edge bench: ${r.workerdVersion}, load ${r.loadTool}${r.loadTool === "wrk" ? " (1 thread)" : " (node:http fallback)"}, ` +
      `${o.connections} connections, ${o.rounds} rounds × ${o.seconds} s (+${o.warmup} s warm-up), ` +
      `${r.pages.length} page(s) rotated, manifest ${r.manifestSource}`,
    "",
    formatTable(r.rows),
    "",
    ...legend(r),
  ];
  if (r.decide) out.push(decideLine(r.decide));
  if (r.held) out.push(r.held);
  out.push("", ...pagesList(r), "", `took ${r.tookS} s`);
  return `${out.join("\n")}\n`;
}
