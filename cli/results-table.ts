/**
 * The results as terminal tables (`p13n results`): the sample-ratio check first, then one
 * line per arm with its rate, interval, lift against the control, p-value and probability to
 * beat the control, then the uplift against the global holdout. Pure: report in, text out.
 *
 * @example
 * io.print(reportTable(await api.results("hero-test")));
 */
import type { ExperimentListItem, ExperimentReport } from "../src/results/report.ts";

const pct = (x: number | null | undefined, digits = 2): string => (x === null || x === undefined || !Number.isFinite(x) ? "—" : `${(x * 100).toFixed(digits)}%`);
const signed = (x: number | null | undefined): string => (x === null || x === undefined || !Number.isFinite(x) ? "—" : `${x >= 0 ? "+" : ""}${(x * 100).toFixed(1)}%`);
const interval = (i: readonly [number, number] | null | undefined, f: (x: number) => string): string => (i ? `[${f(i[0])}, ${f(i[1])}]` : "—");
const pValue = (p: number | null | undefined): string => (p === null || p === undefined ? "—" : p < 0.0001 ? "<0.0001" : p.toFixed(4));
const pPhrase = (p: number | null | undefined): string => (p !== null && p !== undefined && p < 0.0001 ? "p < 0.0001" : `p = ${pValue(p)}`);

/** Columns padded to their widest cell; the first column left-aligned, the rest right-aligned. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ").trimEnd()).join("\n");
}

export function srmLine(srm: { pValue: number; flagged: boolean }): string {
  return srm.flagged
    ? `⚠ SAMPLE RATIO MISMATCH (${pPhrase(srm.pValue)}, below 0.001): assignment or counting is broken; do not trust the lifts below`
    : `sample ratio: ok (${pPhrase(srm.pValue)})`;
}

/**
 * @example
 * reportTable(report); // "hero-test  running  goal purchase\nsample ratio: ok (p = 0.6171)\n\narm  units …"
 */
export function reportTable(r: ExperimentReport): string {
  const goal = r.goal ?? "(none declared: no winner judged)";
  const out: string[] = [`${r.experiment}  ${r.status}${r.bandit ? "  bandit" : ""}  goal ${goal}`, srmLine(r.srm), ""];
  const rows: string[][] = [["arm", "units", "converted", "rate", "95% CI", "lift", "95% CI", "p-value", "P(beats control)"]];
  for (const a of r.arms) {
    const vs = a.vsControl?.rate;
    rows.push([
      a.id === r.control ? `${a.id} (control)` : a.id,
      String(a.rate.units),
      String(a.rate.converted),
      pct(a.rate.rate),
      interval(a.rate.interval, (x) => pct(x)),
      vs ? signed(vs.lift) : "",
      vs ? interval(vs.interval, signed) : "",
      vs ? pValue(vs.pValue) : "",
      vs ? pct(vs.probBeatsControl, 1) : "",
    ]);
  }
  if (r.holdout) rows.push(["holdout", String(r.holdout.units), String(r.holdout.rate.converted), pct(r.holdout.rate.rate), interval(r.holdout.rate.interval, (x) => pct(x)), "", "", "", ""]);
  out.push(table(rows));
  if (r.droppedConversions > 0) out.push("", `${r.droppedConversions} conversion${r.droppedConversions === 1 ? "" : "s"} on undeclared goals dropped (declare goals in site.yaml or the experiment's goal)`);
  const u = r.holdoutUplift;
  out.push("");
  if (u) {
    out.push(
      `personalization vs global holdout: ${pct(u.personalized.rate)} vs ${pct(u.holdout.rate)}, uplift ${signed(u.rate.lift)} ${interval(u.rate.interval, signed)}, ${pPhrase(u.rate.pValue)}, P(beats holdout) = ${pct(u.rate.probBeatsHoldout, 1)}${u.srm?.flagged ? "  ⚠ holdout split mismatch" : ""}`,
    );
  } else {
    out.push("personalization vs global holdout: no global holdout data");
  }
  return out.join("\n");
}

/**
 * @example
 * listTable(experiments); // "experiment  status   goal      units                 SRM\nhero-test   running  purchase  control 812, bold 790  ok"
 */
export function listTable(items: readonly ExperimentListItem[]): string {
  if (items.length === 0) return "no experiments yet";
  const rows = [["experiment", "status", "goal", "units per arm", "SRM"]];
  for (const x of items) {
    rows.push([
      x.id,
      `${x.status}${x.bandit ? " (bandit)" : ""}`,
      x.goal || "—",
      Object.entries(x.units).map(([a, n]) => `${a} ${n}`).join(", ") || "—",
      x.srm.flagged ? `⚠ mismatch (p ${pValue(x.srm.pValue)})` : "ok",
    ]);
  }
  return table(rows);
}
