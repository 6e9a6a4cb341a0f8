/**
 * Which goal an experiment is judged on: the one the manifest names (`goal:`), else the goal
 * with the most converted visitors (ties: alphabetical), so the report and the bandit agree.
 */
import type { AggregateRow } from "./stats/types.ts";

/**
 * Every goal seen in the rows, most converted units first.
 *
 * @example
 * goalsOf(rows); // ["purchase", "signup"]
 */
export function goalsOf(rows: readonly AggregateRow[]): string[] {
  const units = new Map<string, number>();
  for (const r of rows) if (r.goal !== "") units.set(r.goal, (units.get(r.goal) ?? 0) + r.unitsConverted);
  return [...units].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([g]) => g);
}

/**
 * @example
 * primaryGoal(rows, undefined); // "purchase"
 * primaryGoal(rows, "signup");  // "signup"
 */
export function primaryGoal(rows: readonly AggregateRow[], configured: string | undefined): string {
  return configured ?? goalsOf(rows)[0] ?? "";
}
