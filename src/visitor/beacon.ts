/**
 * The beacon's wire format (what the client script sends to POST /__p13n/events)
 * and its translation into the events a visitor's object records.
 *
 * Unknown fields are dropped, not trusted: in particular a visitor id in the
 * body is ignored (the visitor comes only from the verified cookie). Page views
 * are not accepted from the browser: the Worker records them itself.
 *
 * @example
 * {"v":1,"page":{"path":"/products/leggings","topics":["leggings"]},
 *  "events":[{"id":"k3j4h5g6f7d8","type":"click","slot":"home-hero","variant":"gold"}]}
 */
import * as v from "valibot";
import { IdSchema } from "../engine/schema.ts";
import type { Manifest } from "../engine/types.ts";
import type { Scalar, VisitorEvent } from "./events.ts";
import { cleanTopics, MAX_PAGE_TOPICS, MAX_TOPIC_LENGTH, pageTopicsFromManifest } from "./page-topics.ts";

/** The browser's own keepalive cap (fetch keepalive / sendBeacon): 64 KiB. */
export const MAX_BEACON_BYTES = 64 * 1024;
export const MAX_BATCH_EVENTS = 50;

const EventId = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{8,64}$/, "8–64 letters, digits, '-' or '_'"));
const Name = v.pipe(v.string(), v.regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/, "letters, digits, '_', '.', ':' or '-', at most 64"));
const Props = v.pipe(
  v.record(
    v.pipe(v.string(), v.maxLength(64)),
    v.union([v.pipe(v.string(), v.maxLength(256)), v.pipe(v.number(), v.finite()), v.boolean()]),
  ),
  v.check((p) => Object.keys(p).length <= 20, "at most 20 props"),
);
const Money = v.pipe(v.number(), v.finite(), v.minValue(0), v.maxValue(1e9));

const BeaconEventSchema = v.variant("type", [
  v.object({ type: v.literal("impression"), id: EventId, slot: IdSchema, variant: v.optional(IdSchema) }),
  v.object({ type: v.literal("click"), id: EventId, slot: IdSchema, variant: v.optional(IdSchema) }),
  v.object({ type: v.literal("conversion"), id: EventId, goal: Name, value: v.optional(Money), props: v.optional(Props) }),
  v.object({
    type: v.literal("cart"),
    id: EventId,
    action: v.picklist(["add", "remove", "clear", "checkout"]),
    sku: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(64))),
    qty: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1000)), 1),
    price: v.optional(Money),
  }),
  v.object({ type: v.literal("service_case"), id: EventId, open: v.boolean() }),
  v.object({ type: v.literal("custom"), id: EventId, name: Name, props: v.optional(Props) }),
]);

export const BeaconSchema = v.object({
  v: v.optional(v.literal(1), 1),
  page: v.optional(
    v.object({
      path: v.pipe(v.string(), v.startsWith("/"), v.maxLength(2048)),
      category: v.optional(v.pipe(v.string(), v.maxLength(MAX_TOPIC_LENGTH))),
      topics: v.optional(v.pipe(v.array(v.pipe(v.string(), v.maxLength(MAX_TOPIC_LENGTH))), v.maxLength(MAX_PAGE_TOPICS))),
    }),
  ),
  events: v.pipe(v.array(BeaconEventSchema), v.minLength(1), v.maxLength(MAX_BATCH_EVENTS)),
});

export type Beacon = v.InferOutput<typeof BeaconSchema>;

export type BeaconParse = { ok: true; beacon: Beacon } | { ok: false; message: string };

/**
 * Validates a parsed JSON body.
 *
 * @example
 * const parsed = parseBeacon(JSON.parse(text));
 * if (!parsed.ok) return badRequest("INVALID_BEACON", parsed.message);
 */
export function parseBeacon(body: unknown): BeaconParse {
  const r = v.safeParse(BeaconSchema, body);
  if (r.success) return { ok: true, beacon: r.output };
  const issue = r.issues[0];
  const path = issue?.path?.map((p) => String(p.key)).join(".") ?? "";
  return { ok: false, message: `${path ? `${path}: ` : ""}${issue?.message ?? "invalid"}` };
}

function variantTopics(manifest: Manifest | null, slot: string, variant: string | undefined): string[] {
  if (!manifest || variant === undefined || !Object.hasOwn(manifest.slots, slot)) return [];
  return manifest.slots[slot]?.variants.find((x) => x.id === variant)?.topics ?? [];
}

/**
 * The events to record, stamped with the server's time (a browser's clock is not trusted).
 * Topics: a click carries its variant's (from the manifest), a conversion and a cart add the
 * page's (manifest mapping first, then the page meta the script read).
 *
 * @example
 * const events = toVisitorEvents(beacon, manifest, Date.now());
 */
export function toVisitorEvents(beacon: Beacon, manifest: Manifest | null, now: number): VisitorEvent[] {
  const page = beacon.page;
  const mapped = page ? pageTopicsFromManifest(manifest, page.path) : null;
  const pageTopics = mapped ? mapped.topics : cleanTopics(page?.topics ?? []);
  return beacon.events.map((e): VisitorEvent => {
    switch (e.type) {
      case "impression":
        return { type: "impression", id: e.id, at: now, slot: e.slot, variant: e.variant ?? "default", served: false };
      case "click": {
        const click: VisitorEvent = { type: "click", id: e.id, at: now, slot: e.slot, topics: variantTopics(manifest, e.slot, e.variant) };
        if (e.variant !== undefined) click.variant = e.variant;
        return click;
      }
      case "conversion": {
        const conversion: VisitorEvent = { type: "conversion", id: e.id, at: now, goal: e.goal, topics: pageTopics };
        if (e.value !== undefined) conversion.value = e.value;
        return conversion;
      }
      case "cart": {
        const cart: VisitorEvent = { type: "cart", id: e.id, at: now, action: e.action, qty: e.qty, topics: pageTopics };
        if (e.sku !== undefined) cart.sku = e.sku;
        if (e.price !== undefined) cart.price = e.price;
        return cart;
      }
      case "service_case":
        return { type: "service_case", id: e.id, at: now, open: e.open };
      case "custom": {
        const custom: VisitorEvent = { type: "custom", id: e.id, at: now, name: e.name };
        if (e.props) custom.props = e.props as Record<string, Scalar>;
        return custom;
      }
    }
  });
}
