/**
 * `p13n stats` as terminal text: requests and outcomes, the personalized share, decisions
 * by slot and variant (with each variant's share of its slot), fallbacks by cause (per 100
 * decided pages), the budgets' p50/p99, and the reads beyond the invocations. Pure.
 *
 * @example
 * io.print(statsTable(await api.stats(60)));
 */
import type { StatsReport } from "../src/observability/stats.ts";
import { table } from "./results-table.ts";

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
const ms = (x: number): string => x.toFixed(x < 10 ? 2 : 1);

function period(minutes: number): string {
  if (minutes % 1440 === 0) return `${minutes / 1440} d`;
  if (minutes % 60 === 0) return `${minutes / 60} h`;
  return `${minutes} min`;
}

export function statsTable(r: StatsReport): string {
  const out: string[] = [];
  out.push(`last ${period(r.minutes)} (${r.from} → ${r.to}), from ${r.source === "local" ? "the local stand-in" : "Workers Analytics Engine"}`);
  out.push("");
  out.push(
    table([
      ["requests", String(r.requests)],
      ["pages decided", String(r.pages)],
      ["  personalized", `${r.outcomes.personalized}`, r.pages ? pct(r.personalizedShare) : "—"],
      ["  default content", `${r.outcomes.default}`],
      ["passed through", String(r.outcomes.passthrough)],
      ["errors", String(r.outcomes.error)],
    ]),
  );
  if (r.requests === 0) {
    out.push("", "nothing counted yet: requests are counted as they are served (allow a minute for Analytics Engine)");
    return out.join("\n");
  }
  out.push("", "decisions");
  if (r.decisions.length === 0) out.push("  none");
  else {
    const perSlot = new Map<string, number>();
    for (const d of r.decisions) perSlot.set(d.slot, (perSlot.get(d.slot) ?? 0) + d.count);
    out.push(table([["slot", "variant", "count", "share"], ...r.decisions.map((d) => [d.slot, d.variant, String(d.count), pct(d.count / (perSlot.get(d.slot) || 1))])]));
  }
  out.push("", "fallbacks");
  if (r.fallbacks.length === 0) out.push("  none");
  else out.push(table([["cause", "count", "per 100 pages"], ...r.fallbacks.map((f) => [f.cause, String(f.count), r.pages ? ((f.count * 100) / r.pages).toFixed(1) : "—"])]));
  if (r.budgets.length) {
    out.push("", "budgets (ms, decided pages)");
    out.push(table([["budget", "p50", "p99"], ...r.budgets.map((b) => [b.budget, ms(b.p50), ms(b.p99)])]));
  }
  out.push("", `reads beyond the requests: ${r.usage.stateReads} Durable Object snapshot reads, ${r.usage.kvReads} KV manifest reads`);
  return out.join("\n");
}
