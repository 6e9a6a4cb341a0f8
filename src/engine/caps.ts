/**
 * Frequency caps: at most `max` impressions of a variant (or of every variant of its
 * campaign) per visitor per `periodHours`, counted from the visitor snapshot's
 * impression timestamps (key `slot/variant`, or `campaign:<id>`).
 */
import type { Variant, VisitorSnapshot } from "./types.ts";
import type { Facts } from "./attributes.ts";
import { memoCapCount, rememberCapCount } from "./request-memo.ts";

export type CapVerdict =
  | { ok: true; seen: number; max: number }
  | { ok: false; seen: number; max: number; detail: string };

/** Impression counter key of a variant, as the visitor memory records it. */
export function impressionKey(slot: string, variant: string): string {
  return `${slot}/${variant}`;
}

/** Impression counter key of a campaign. */
export function campaignKey(campaign: string): string {
  return `campaign:${campaign}`;
}

/**
 * Checks a variant's cap. `fewer` halves it (rounded down, at least 1): the visitor
 * asked for fewer promotions. Without a snapshot (budget miss, no tracking) nothing
 * can be counted, so the cap passes: the visitor memory enforces it once it answers.
 *
 * @example
 * checkCap({ max: 3, periodHours: 24, scope: "variant" }, "hero/sale", undefined, snapshot, now, false);
 * // { ok: false, seen: 3, max: 3, detail: "3 of 3 impressions in 24h" }
 */
export function checkCap(
  cap: NonNullable<Variant["cap"]>,
  slot: string,
  variant: string,
  campaign: string | undefined,
  snapshot: VisitorSnapshot | null,
  now: number,
  halve: boolean,
): CapVerdict {
  const max = capMax(cap, halve);
  if (!snapshot) return { ok: true, seen: 0, max };
  const key = capKey(cap, slot, variant, campaign);
  const seen = countSeen(snapshot, key, cap.periodHours, now);
  if (seen < max) return { ok: true, seen, max };
  const scope = key.startsWith("campaign:") ? ` of campaign ${campaign}` : "";
  return { ok: false, seen, max, detail: `${seen} of ${max} impressions${scope} in ${cap.periodHours}h${halve ? " (halved: fewer promotions)" : ""}` };
}

/**
 * A variant's cap as the manifest's compilation leaves it: its counter key built once, both
 * maxima worked out, and an index into the request's memo of counts (`Facts.capCounts`), shared
 * by every variant counting the same key over the same period (a campaign's variants in many slots).
 */
export interface CompiledCap {
  readonly key: string;
  readonly periodHours: number;
  readonly max: number;
  /** The maximum when the visitor asked for fewer promotions. */
  readonly halvedMax: number;
  readonly index: number;
}

/**
 * Compiles a variant's cap; `indexOf` gives each distinct key and period its memo index.
 *
 * @example
 * compileCap({ max: 3, periodHours: 24, scope: "campaign" }, "hero", "sale", "spring", indexer);
 * // { key: "campaign:spring", periodHours: 24, max: 3, halvedMax: 1, index: 0 }
 */
export function compileCap(
  cap: NonNullable<Variant["cap"]>,
  slot: string,
  variant: string,
  campaign: string | undefined,
  indexOf: (key: string, periodHours: number) => number,
): CompiledCap {
  const key = capKey(cap, slot, variant, campaign);
  return { key, periodHours: cap.periodHours, max: capMax(cap, false), halvedMax: capMax(cap, true), index: indexOf(key, cap.periodHours) };
}

/**
 * `checkCap`'s verdict as a yes or no, with nothing allocated or worded (the pick's hot path);
 * each key's impressions are counted once per request.
 *
 * @example
 * underCap(cv.cap, facts, false); // false once the visitor has seen it cap.max times in the period
 */
export function underCap(cap: CompiledCap, f: Facts, halve: boolean): boolean {
  const served = f.served;
  if (!served) return true;
  let seen = memoCapCount(f.memo, f.stamp, cap.index);
  if (seen < 0) {
    seen = countSeen(served, cap.key, cap.periodHours, f.now);
    rememberCapCount(f.memo, f.stamp, cap.index, seen);
  }
  return seen < (halve ? cap.halvedMax : cap.max);
}

function capMax(cap: NonNullable<Variant["cap"]>, halve: boolean): number {
  return halve ? Math.max(1, Math.floor(cap.max / 2)) : cap.max;
}

function capKey(cap: NonNullable<Variant["cap"]>, slot: string, variant: string, campaign: string | undefined): string {
  return cap.scope === "campaign" && campaign !== undefined ? campaignKey(campaign) : impressionKey(slot, variant);
}

/** Impressions under `key` in the last `periodHours` up to `now`. */
function countSeen(snapshot: VisitorSnapshot, key: string, periodHours: number, now: number): number {
  const stamps = snapshot.impressions && Object.hasOwn(snapshot.impressions, key) ? snapshot.impressions[key] : undefined;
  let seen = 0;
  if (stamps) {
    const since = now - periodHours * 3_600_000;
    for (const t of stamps) if (t > since && t <= now) seen++;
  }
  return seen;
}
