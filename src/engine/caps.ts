/**
 * Frequency caps: at most `max` impressions of a variant (or of every variant of its
 * campaign) per visitor per `periodHours`, counted from the visitor snapshot's
 * impression timestamps (key `slot/variant`, or `campaign:<id>`).
 */
import type { Variant, VisitorSnapshot } from "./types.ts";

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
 * `checkCap`'s verdict as a yes or no, with nothing allocated or worded (the pick's hot path).
 *
 * @example
 * underCap({ max: 3, periodHours: 24, scope: "variant" }, "hero", "sale", undefined, snapshot, now, false); // false
 */
export function underCap(
  cap: NonNullable<Variant["cap"]>,
  slot: string,
  variant: string,
  campaign: string | undefined,
  snapshot: VisitorSnapshot | null,
  now: number,
  halve: boolean,
): boolean {
  if (!snapshot) return true;
  return countSeen(snapshot, capKey(cap, slot, variant, campaign), cap.periodHours, now) < capMax(cap, halve);
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
