/**
 * The bandit's schedule (the cron trigger, each minute): at the start of each allocation
 * period, read the results from D1, compute Thompson-sampling weights for every running
 * experiment with `bandit: true` (src/results/bandit.ts, seeded per experiment and period,
 * so a retry computes the same weights), and publish `{ period, allocation }` to KV beside
 * the manifest. Within a period nothing is rewritten: the weights — and so every visitor's
 * arm — stay as they are. Fails closed on its own side only: an error leaves the last
 * published allocation in place, and the page path never waits for any of this.
 */
import type { Manifest } from "../engine/types.ts";
import * as v from "valibot";
import { ALLOCATION_KEY, PublishedAllocationSchema, type PublishedAllocation } from "./allocation-store.ts";
import { allocationForPeriod, allocationPeriod, type BanditArm } from "../results/bandit.ts";
import { readRows } from "./d1-store.ts";
import { liveManifest } from "./live-manifest.ts";
import { getConfig } from "../config/config.ts";
import { totalsFromRows } from "../results/stats/summary.ts";

export interface SchedulerEnv {
  CONTENT: KVNamespace;
  RESULTS: D1Database;
}

export type ScheduleOutcome =
  | { status: "published"; published: PublishedAllocation }
  | { status: "current"; period: number }
  | { status: "no-manifest" };

/** The bandit arms of one experiment: its manifest arms (never the holdout), with their units and conversions on the goal. */
export function banditArms(manifest: Manifest, experiment: string, rows: Parameters<typeof totalsFromRows>[0]): BanditArm[] {
  const e = manifest.experiments?.[experiment];
  // A bandit optimizes its declared goal only (publishing refuses a bandit without one).
  if (!e || e.goal === undefined) return [];
  const totals = new Map(totalsFromRows(rows, e.goal).map((t) => [t.arm, t]));
  return e.arms.map((a) => {
    const t = totals.get(a.id);
    const units = t?.rate.units ?? 0;
    // A conversion counted before its exposure row reached D1 must not break 0 ≤ converted ≤ units.
    return { id: a.id, units, converted: Math.min(units, t?.rate.converted ?? 0) };
  });
}

/**
 * Publishes the allocation of the period `now` falls in, unless it is published already.
 *
 * @example
 * export default { scheduled: (controller, env, ctx) => ctx.waitUntil(publishAllocation(env, controller.scheduledTime)) };
 */
export async function publishAllocation(env: SchedulerEnv & object, now: number, opts: { force?: boolean } = {}): Promise<ScheduleOutcome> {
  const { periodMs, minShare } = getConfig(env).results;
  const period = allocationPeriod(now, periodMs);
  if (!opts.force) {
    const raw = await env.CONTENT.get(ALLOCATION_KEY, "json");
    const held = v.safeParse(PublishedAllocationSchema, raw);
    if (held.success && held.output.period === period && held.output.periodMs === periodMs) return { status: "current", period };
  }
  const manifest = await liveManifest(env.CONTENT);
  if (!manifest) return { status: "no-manifest" };
  const experiments: Record<string, BanditArm[]> = {};
  for (const [id, e] of Object.entries(manifest.experiments ?? {})) {
    if (!e.bandit || e.goal === undefined || (e.status ?? "running") !== "running" || e.arms.length === 0) continue;
    experiments[id] = banditArms(manifest, id, await readRows(env.RESULTS, id));
  }
  const allocation: Record<string, Record<string, number>> = {};
  for (const [id, arms] of Object.entries(experiments)) {
    // The floor must leave room for every arm: m·k ≤ 1.
    Object.assign(allocation, allocationForPeriod({ [id]: arms }, period, { minShare: Math.min(minShare, 1 / arms.length) }));
  }
  const published: PublishedAllocation = { period, periodMs, computedAt: new Date(now).toISOString(), allocation };
  await env.CONTENT.put(ALLOCATION_KEY, JSON.stringify(published));
  return { status: "published", published };
}
