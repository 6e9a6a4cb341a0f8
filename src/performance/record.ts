/**
 * After a beacon is acknowledged: its accepted impressions, clicks and conversions become the
 * performance counts (src/performance/attribute.ts), written to Analytics Engine and, with
 * METRICS_STORE=local, the local stand-in. All of it in `waitUntil`, never on the beacon's
 * answer; the visitor's snapshot is read only when a conversion must be attributed or a
 * segment reads the visitor's memory, and a failure loses the counts, never the events
 * (they are in the visitor's object already).
 *
 * @example
 * recordPerformance({ env: c.env, config, waitUntil }, { request, identity, objectName, events, statuses, manifest, now });
 */
import type { Config } from "../config/config.ts";
import { requestContext } from "../context/request-context.ts";
import { makeFacts } from "../engine/attributes.ts";
import { compileRule, SegmentTable } from "../engine/rule-compiler.ts";
import { ruleSegments } from "../engine/rule-segments.ts";
import type { Manifest } from "../engine/types.ts";
import { describeError } from "../errors.ts";
import type { Identity } from "../identity/resolve.ts";
import { logEvent } from "../observability/log.ts";
import { localPerformance, writePerfPoints, DEFAULT_VARIANT } from "../observability/performance-store.ts";
import type { DataPointSink } from "../observability/analytics-engine.ts";
import { readSnapshot, type StateRead, type VisitorNamespace } from "../visitor/access.ts";
import type { BeaconEvent } from "../visitor/beacon.ts";
import type { EventStatus } from "../visitor/events.ts";
import { needsSnapshot, perfPoints } from "./attribute.ts";

/** The snapshot read after the answer: not on anyone's path, but not forever either. */
const SNAPSHOT_BUDGET_MS = 1_000;

export interface PerformanceDeps {
  env: { VISITOR: VisitorNamespace; METRICS?: DataPointSink };
  config: Config;
  waitUntil: (p: Promise<unknown>) => void;
}

export interface AcceptedBeacon {
  request: Request;
  /** The page the beacon came from (its context decides context segments). */
  pagePath: string | undefined;
  identity: Identity;
  objectName: string;
  events: readonly BeaconEvent[];
  statuses: readonly EventStatus[];
  manifest: Manifest | null;
  now: number;
}

export function recordPerformance(deps: PerformanceDeps, b: AcceptedBeacon): void {
  if (!b.events.some((e, i) => b.statuses[i] === "accepted" && (e.type === "impression" || e.type === "click" || e.type === "conversion"))) return;
  deps.waitUntil(
    count(deps, b).catch((err: unknown) => logEvent("warn", "performance", "METRICS_WRITE_FAILED", { error: describeError(err) })),
  );
}

async function count(deps: PerformanceDeps, b: AcceptedBeacon): Promise<void> {
  const table = new SegmentTable(b.manifest?.segments ?? {});
  const compiled = new Map<string, ReturnType<typeof compileRule>>();
  const segment = (id: string) => {
    let c = compiled.get(id);
    if (!c) compiled.set(id, (c = compileRule({ segment: id }, table)));
    return c;
  };
  const audience = (slot: string, variant: string) =>
    variant === DEFAULT_VARIANT || !b.manifest || !Object.hasOwn(b.manifest.slots, slot) ? undefined : b.manifest.slots[slot]!.variants.find((v) => v.id === variant)?.audience;
  const behaviour = (slot: string, variant: string) => ruleSegments(audience(slot, variant)).some((id) => segment(id).kinds.has("behaviour"));

  let snapshot: StateRead["snapshot"] = null;
  if (needsSnapshot(b.events, b.statuses, behaviour)) snapshot = (await readSnapshot(deps.env.VISITOR, b.objectName, SNAPSHOT_BUDGET_MS)).snapshot;
  // Stated preferences outrank the profile's, field by field, as on the page path.
  const prefs = snapshot?.statedPrefs ? { ...b.identity.profile?.prefs, ...snapshot.statedPrefs } : b.identity.profile?.prefs;
  const url = new URL(b.request.url);
  const page = b.pagePath ? new URL(b.pagePath, url) : url;
  const facts = makeFacts({
    profile: b.identity.profile,
    context: requestContext(b.request, page),
    snapshot,
    now: b.now,
    prefs,
    personalize: b.identity.consent.personalize,
  });
  const points = perfPoints({
    events: b.events,
    statuses: b.statuses,
    manifest: b.manifest,
    served: snapshot?.impressions ?? null,
    inSegment: (id) => Object.hasOwn(b.manifest?.segments ?? {}, id) && segment(id).test(facts),
    now: b.now,
  });
  if (deps.env.METRICS) writePerfPoints(deps.env.METRICS, points);
  if (deps.config.metrics.store === "local") localPerformance().add(points, b.now);
}
