/**
 * The results reports (the admin API's JSON, the CLI's table and the console's view all
 * read these): pure, from the stored aggregate rows and the live manifest. Sample-ratio
 * mismatch comes first, then the arms; the global holdout's uplift says whether
 * personalization itself pays.
 */
import type { Manifest } from "../engine/types.ts";
import { droppedConversions, goalsOf } from "./goals.ts";
import { analyzeExperiment, type ArmResult } from "./stats/analyze.ts";
import { holdoutUplift, type HoldoutUplift } from "./stats/holdout.ts";
import { srmCheck, type SrmResult } from "./stats/srm.ts";
import { rateSummary, totalsFromRows, type RateSummary } from "./stats/summary.ts";
import { GLOBAL_ARMS, GLOBAL_EXPERIMENT, type StoredRow } from "./tally.ts";

export interface ExperimentListItem {
  id: string;
  /** The live manifest's status, or "archived" when the experiment is only in the results. */
  status: string;
  bandit: boolean;
  /** The declared goal it is judged on; null when the experiment declares none (no winner judged). */
  goal: string | null;
  /** Units (visitors) per arm, the experiment's holdout as "holdout". */
  units: Record<string, number>;
  srm: { pValue: number; flagged: boolean };
}

export interface DailyPoint {
  day: string;
  /** Cumulative to the end of `day`, per arm: units, converted, rate and its interval. */
  arms: Record<string, RateSummary>;
}

export interface ExperimentReport {
  experiment: string;
  status: string;
  bandit: boolean;
  /** The goal judged: `?goal=` or the experiment's declared `goal`; null: none declared, no winner judged. */
  goal: string | null;
  /** False without a goal: arms carry units, impressions and clicks, no rate comparison, lift or probability. */
  judged: boolean;
  /** Declared goals with conversions, most converted units first. */
  goals: string[];
  /** Conversions on goals the content does not declare: dropped, never counted in a goal. */
  droppedConversions: number;
  /** First: a broken split invalidates every lift below. */
  srm: SrmResult;
  trustworthy: boolean;
  control: string;
  arms: Array<ArmResult & { impressions: number; clicks: number; conversions: number; expectedUnits: number }>;
  /** The experiment's own holdout (default content, measured), when it has one. */
  holdout: { units: number; expectedUnits: number; rate: RateSummary } | null;
  /** Personalized visitors against the global holdout, on the same goal; null without a global holdout or data. */
  holdoutUplift: HoldoutUplift | null;
  daily: DailyPoint[];
}

const HOLDOUT = GLOBAL_ARMS.holdout;

function experimentConfig(manifest: Manifest | null, id: string) {
  const all = manifest?.experiments ?? {};
  return Object.hasOwn(all, id) ? all[id] : undefined;
}

/** Arm ids in the manifest's order, then any only the results know (an arm since removed). */
function armIds(manifest: Manifest | null, id: string, rows: readonly StoredRow[]): string[] {
  const ids = (experimentConfig(manifest, id)?.arms ?? []).map((a) => a.id);
  for (const r of rows) if (r.arm !== HOLDOUT && !ids.includes(r.arm)) ids.push(r.arm);
  return ids;
}

function controlOf(ids: readonly string[]): string {
  return ids.includes("control") ? "control" : (ids[0] ?? "control");
}

/** Σ expectedUnits per category; when none were recorded, the manifest's configured shares. */
function expectations(manifest: Manifest | null, id: string, rows: readonly StoredRow[], ids: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  let any = false;
  for (const r of rows) {
    if (r.goal !== "") continue;
    out[r.arm] = (out[r.arm] ?? 0) + r.expectedUnits;
    if (r.expectedUnits > 0) any = true;
  }
  if (any) {
    for (const a of ids) out[a] ??= 0;
    return out;
  }
  const e = experimentConfig(manifest, id);
  const holdout = e?.holdout ?? 0;
  const total = (e?.arms ?? []).reduce((n, a) => n + a.weight, 0);
  const shares: Record<string, number> = {};
  for (const a of ids) shares[a] = 0;
  for (const a of e?.arms ?? []) shares[a.id] = total > 0 ? ((1 - holdout) * a.weight) / total : 0;
  if (holdout > 0) shares[HOLDOUT] = holdout;
  // Nothing configured either (an archived experiment): equal shares, so the check still runs.
  if (!Object.values(shares).some((s) => s > 0)) for (const a of ids) shares[a] = 1;
  return shares;
}

/**
 * The experiments list: each with its status, units per arm and the SRM flag.
 *
 * @example
 * listExperiments(await readRows(env.RESULTS), manifest); // [{ id: "hero-test", status: "running", units: { control: 812, b: 790 }, srm: { flagged: false, … } }]
 */
export function listExperiments(rows: readonly StoredRow[], manifest: Manifest | null): ExperimentListItem[] {
  const ids = new Set<string>(Object.keys(manifest?.experiments ?? {}));
  for (const r of rows) if (r.experiment !== GLOBAL_EXPERIMENT) ids.add(r.experiment);
  return [...ids].sort().map((id) => {
    const own = rows.filter((r) => r.experiment === id);
    const e = experimentConfig(manifest, id);
    const arms = armIds(manifest, id, own);
    const units: Record<string, number> = {};
    for (const a of arms) units[a] = 0;
    for (const r of own) if (r.goal === "") units[r.arm] = (units[r.arm] ?? 0) + r.unitsExposed;
    const srm = srmCheck(units, expectations(manifest, id, own, arms));
    return { id, status: e ? (e.status ?? "running") : "archived", bandit: e?.bandit ?? false, goal: e?.goal ?? null, units, srm: { pValue: srm.pValue, flagged: srm.flagged } };
  });
}

/**
 * One experiment's full report.
 *
 * @example
 * experimentReport("hero-test", await readRows(env.RESULTS, "hero-test"), await readRows(env.RESULTS, "(global)"), manifest);
 */
export function experimentReport(
  id: string,
  rows: readonly StoredRow[],
  globalRows: readonly StoredRow[],
  manifest: Manifest | null,
  opts: { goal?: string; confidence?: number } = {},
): ExperimentReport {
  const e = experimentConfig(manifest, id);
  // Only a goal an editor chose: the experiment's own, or one asked for. Never picked from the data.
  const goal = opts.goal ?? e?.goal ?? null;
  const ids = armIds(manifest, id, rows);
  const control = controlOf(ids);
  const expected = expectations(manifest, id, rows, ids);
  const totals = new Map(totalsFromRows(rows, goal ?? "").map((t) => [t.arm, t]));
  const sample = (arm: string) => {
    const t = totals.get(arm);
    const units = t?.rate.units ?? 0;
    // Defensive: a conversion never outnumbers the units (both come through one counter, in order).
    return { units, converted: Math.min(units, t?.rate.converted ?? 0) };
  };
  const value = (arm: string) => {
    const t = totals.get(arm);
    return { n: t?.value.n ?? 0, sum: t?.value.sum ?? 0, sumSq: t?.value.sumSq ?? 0 };
  };
  const hasValue = rows.some((r) => r.goal === goal && r.valueSum !== 0);
  const held = sample(HOLDOUT);
  const holdoutShare = expected[HOLDOUT] ?? 0;
  const analysis = analyzeExperiment({
    control,
    arms: ids.map((a) => ({ id: a, expected: expected[a] ?? 0, rate: sample(a), ...(hasValue ? { value: value(a) } : {}) })),
    ...(holdoutShare > 0 || held.units > 0 ? { holdout: { expected: holdoutShare, units: held.units } } : {}),
    ...(opts.confidence !== undefined ? { confidence: opts.confidence } : {}),
  });
  const arms = analysis.arms.map((a) => {
    const t = totals.get(a.id);
    // Without a goal nothing is judged: no comparison with the control is reported.
    const { vsControl, ...rest } = a;
    const judged = goal !== null && vsControl !== undefined ? { vsControl } : {};
    return { ...rest, ...judged, impressions: t?.impressions ?? 0, clicks: t?.clicks ?? 0, conversions: t?.conversions ?? 0, expectedUnits: expected[a.id] ?? 0 };
  });
  return {
    experiment: id,
    status: e ? (e.status ?? "running") : "archived",
    bandit: e?.bandit ?? false,
    goal,
    judged: goal !== null,
    goals: goalsOf(rows),
    droppedConversions: droppedConversions(rows),
    srm: analysis.srm,
    trustworthy: analysis.trustworthy,
    control: analysis.control,
    arms,
    holdout: held.units > 0 || holdoutShare > 0 ? { units: held.units, expectedUnits: holdoutShare, rate: rateSummary(held) } : null,
    holdoutUplift: goal === null ? null : globalUplift(globalRows, manifest, goal),
    daily: dailySeries(rows, goal ?? "", [...ids, ...(held.units > 0 ? [HOLDOUT] : [])]),
  };
}

/**
 * Personalized against the global holdout on `goal`; null without a global holdout split or visitors in both groups.
 *
 * @example
 * globalUplift(await readRows(env.RESULTS, "(global)"), manifest, "purchase");
 */
export function globalUplift(rows: readonly StoredRow[], manifest: Manifest | null, goal: string): HoldoutUplift | null {
  const totals = new Map(totalsFromRows(rows, goal).map((t) => [t.arm, t]));
  const p = totals.get(GLOBAL_ARMS.personalized);
  const h = totals.get(GLOBAL_ARMS.holdout);
  if (!p || !h || p.rate.units === 0 || h.rate.units === 0) return null;
  const share = manifest?.holdout?.share;
  return holdoutUplift({
    personalized: { units: p.rate.units, converted: Math.min(p.rate.units, p.rate.converted) },
    holdout: { units: h.rate.units, converted: Math.min(h.rate.units, h.rate.converted) },
    ...(share !== undefined && share > 0 && share < 1 ? { share } : {}),
  });
}

/** Cumulative rate per arm at the end of each day with data. */
function dailySeries(rows: readonly StoredRow[], goal: string, arms: readonly string[]): DailyPoint[] {
  const days = [...new Set(rows.map((r) => r.day))].sort();
  const units = new Map<string, number>();
  const converted = new Map<string, number>();
  return days.map((day) => {
    for (const r of rows) {
      if (r.day !== day) continue;
      if (r.goal === "") units.set(r.arm, (units.get(r.arm) ?? 0) + r.unitsExposed);
      else if (r.goal === goal) converted.set(r.arm, (converted.get(r.arm) ?? 0) + r.unitsConverted);
    }
    const point: DailyPoint = { day, arms: {} };
    for (const a of arms) {
      const n = units.get(a) ?? 0;
      point.arms[a] = rateSummary({ units: n, converted: Math.min(n, converted.get(a) ?? 0) });
    }
    return point;
  });
}
