/**
 * Which goals count, and which one an experiment is judged on. Only goals the content
 * declares count (site.yaml `goals`, and each experiment's `goal`): a client cannot invent
 * one. An experiment is judged on its own `goal` only; without one its report judges no
 * winner, so nobody can choose what the report and the bandit optimize by sending conversions.
 */
import type { Manifest } from "../engine/types.ts";
import type { AggregateRow } from "./stats/types.ts";
import { DROPPED_GOAL } from "./tally.ts";

/**
 * The declared goals of a manifest: the site's list and every experiment's goal.
 *
 * @example
 * declaredGoals(manifest); // Set { "purchase", "signup", "checkout" }
 */
export function declaredGoals(manifest: Manifest | null): Set<string> {
  const out = new Set<string>(manifest?.goals ?? []);
  for (const e of Object.values(manifest?.experiments ?? {})) if (e.goal !== undefined) out.add(e.goal);
  return out;
}

/**
 * Every counted goal seen in the rows, most converted units first (dropped conversions excluded).
 *
 * @example
 * goalsOf(rows); // ["purchase", "signup"]
 */
export function goalsOf(rows: readonly AggregateRow[]): string[] {
  const units = new Map<string, number>();
  for (const r of rows) if (r.goal !== "" && r.goal !== DROPPED_GOAL) units.set(r.goal, (units.get(r.goal) ?? 0) + r.unitsConverted);
  return [...units].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([g]) => g);
}

/**
 * Conversions dropped because their goal is not declared, summed over the rows.
 *
 * @example
 * droppedConversions(rows); // 1204
 */
export function droppedConversions(rows: readonly AggregateRow[]): number {
  let n = 0;
  for (const r of rows) if (r.goal === DROPPED_GOAL) n += r.conversions;
  return n;
}
