/**
 * Which performance counts a beacon's accepted events add (pure): an impression or a click
 * counts for the slot and variant it names (`(default)` when the slot showed the page's own
 * content); a conversion counts once for every variant the visitor was served in the
 * ATTRIBUTION_DAYS before it (the visitor's own record of served impressions, the one
 * frequency caps count). Each count also goes to every segment of the variant's audience the
 * visitor is in, decided now with the engine's own rules.
 *
 * Only events the visitor's object accepted count: a duplicate (resent beacon) or a refused
 * event adds nothing, so the numbers are the events sent, once each.
 *
 * @example
 * perfPoints({ events, statuses, manifest, served: snapshot.impressions, inSegment: (id) => …, now });
 * // [{ event: "impression", slot: "hero", variant: "gold", segment: "", version: "…" }, { …, segment: "gold" }]
 */
import type { BeaconEvent } from "../visitor/beacon.ts";
import type { EventStatus } from "../visitor/events.ts";
import { ruleSegments } from "../engine/rule-segments.ts";
import type { Manifest } from "../engine/types.ts";
import { ATTRIBUTION_DAYS } from "../observability/performance-report.ts";
import { DEFAULT_VARIANT, type PerfPoint } from "../observability/performance-store.ts";

const DAY_MS = 86_400_000;
/** A conversion counts for at most this many served variants (a visitor's object holds at most a few dozen keys). */
export const MAX_ATTRIBUTED = 40;

export interface AttributionInput {
  events: readonly BeaconEvent[];
  /** The object's answer per event, in order. */
  statuses: readonly EventStatus[];
  manifest: Manifest | null;
  /** Served impressions by `slot/variant` (epoch ms), from the visitor's snapshot; null when it was not read. */
  served: Record<string, number[]> | null;
  /** Whether the visitor is in a named segment now. */
  inSegment: (segment: string) => boolean;
  now: number;
}

function audienceOf(manifest: Manifest | null, slot: string, variant: string) {
  if (!manifest || variant === DEFAULT_VARIANT || !Object.hasOwn(manifest.slots, slot)) return undefined;
  return manifest.slots[slot]!.variants.find((v) => v.id === variant)?.audience;
}

/** The variants a conversion at `at` is credited to: served within the window, each once. */
export function attributedVariants(served: Record<string, number[]> | null, at: number): Array<{ slot: string; variant: string }> {
  const out: Array<{ slot: string; variant: string }> = [];
  const since = at - ATTRIBUTION_DAYS * DAY_MS;
  for (const [key, stamps] of Object.entries(served ?? {})) {
    const slash = key.indexOf("/");
    // Campaign keys (`campaign:<id>`) count caps, not variants.
    if (slash <= 0 || key.startsWith("campaign:")) continue;
    if (!stamps.some((t) => t > since && t <= at)) continue;
    out.push({ slot: key.slice(0, slash), variant: key.slice(slash + 1) });
    if (out.length >= MAX_ATTRIBUTED) break;
  }
  return out;
}

export function perfPoints(input: AttributionInput): PerfPoint[] {
  const version = input.manifest?.version ?? "";
  const points: PerfPoint[] = [];
  const count = (event: PerfPoint["event"], slot: string, variant: string) => {
    points.push({ event, slot, variant, segment: "", version });
    for (const segment of ruleSegments(audienceOf(input.manifest, slot, variant))) {
      if (input.inSegment(segment)) points.push({ event, slot, variant, segment, version });
    }
  };
  input.events.forEach((e, i) => {
    if (input.statuses[i] !== "accepted") return;
    if (e.type === "impression" || e.type === "click") count(e.type, e.slot, e.variant ?? DEFAULT_VARIANT);
    else if (e.type === "conversion") for (const a of attributedVariants(input.served, input.now)) count("conversion", a.slot, a.variant);
  });
  return points;
}

/** True when counting these events needs the visitor's snapshot (a conversion to attribute, or segments that read their memory). */
export function needsSnapshot(events: readonly BeaconEvent[], statuses: readonly EventStatus[], behaviourSegment: (slot: string, variant: string) => boolean): boolean {
  return events.some((e, i) => statuses[i] === "accepted" && (e.type === "conversion" || ((e.type === "impression" || e.type === "click") && behaviourSegment(e.slot, e.variant ?? DEFAULT_VARIANT))));
}
