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
import { MAX_EXPOSURE_TOKEN_CHARS } from "../results/exposure-token.ts";
import { CHECKOUT_GOAL } from "./experiment-tally.ts";
import { cleanTopics, MAX_PAGE_TOPICS, MAX_TOPIC_LENGTH, pageTopicsFromManifest } from "../content/page-topics.ts";

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

/** Longest cart item name, image URL and category (README "The cart"). */
export const MAX_CART_NAME = 120;
export const MAX_CART_IMAGE = 512;
export const MAX_CART_CATEGORY = 64;

/** Control characters and bidirectional overrides: words a page shows must read as they are stored. */
// eslint-disable-next-line no-control-regex
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/** Words a page may show (an item's name, a category): trimmed, printable, bounded. */
const Words = (max: number) =>
  v.pipe(
    v.string(),
    v.trim(),
    v.minLength(1, "empty"),
    v.maxLength(max, `at most ${max} characters`),
    v.check((s) => !UNPRINTABLE.test(s), "no control or bidirectional-override characters"),
  );

/** An item's image: an http(s) URL or a path on this site (never `//host`, `javascript:` or `data:`). */
const ImageUrl = v.pipe(
  v.string(),
  v.maxLength(MAX_CART_IMAGE, `at most ${MAX_CART_IMAGE} characters`),
  v.check((s) => isImageUrl(s), "an https://, http:// or /path URL without spaces"),
);

function isImageUrl(s: string): boolean {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0020\u007f-\u009f\\]/.test(s)) return false;
  if (s.startsWith("/")) return !s.startsWith("//");
  if (!/^https?:\/\//i.test(s)) return false;
  try {
    return new URL(s).hostname !== "";
  } catch {
    return false;
  }
}

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
    name: v.optional(Words(MAX_CART_NAME)),
    image: v.optional(ImageUrl),
    category: v.optional(Words(MAX_CART_CATEGORY)),
  }),
  v.object({ type: v.literal("service_case"), id: EventId, open: v.boolean() }),
  v.object({ type: v.literal("custom"), id: EventId, name: Name, props: v.optional(Props) }),
]);

const PageSchema = v.object({
  path: v.pipe(v.string(), v.startsWith("/"), v.maxLength(2048)),
  category: v.optional(v.pipe(v.string(), v.maxLength(MAX_TOPIC_LENGTH))),
  topics: v.optional(v.pipe(v.array(v.pipe(v.string(), v.maxLength(MAX_TOPIC_LENGTH))), v.maxLength(MAX_PAGE_TOPICS))),
});

/**
 * The batch around the events: checked as a whole (a bad envelope refuses the beacon). `x` is a
 * new visitor's first-page exposure token (src/results/exposure-token.ts), sent once by the
 * script's first beacon, with or without events.
 */
const EnvelopeSchema = v.pipe(
  v.object({
    v: v.optional(v.literal(1), 1),
    page: v.optional(PageSchema),
    x: v.optional(v.pipe(v.string(), v.maxLength(MAX_EXPOSURE_TOKEN_CHARS))),
    events: v.pipe(v.array(v.unknown()), v.maxLength(MAX_BATCH_EVENTS)),
  }),
  v.check((b) => b.events.length > 0 || b.x !== undefined, "events: at least one event (or a first page's exposures)"),
);

export type BeaconEvent = v.InferOutput<typeof BeaconEventSchema>;

/** A beacon after validation: its envelope, and the events that passed their schema. */
export interface Beacon {
  v: 1;
  page?: v.InferOutput<typeof PageSchema>;
  /** A first page's exposure token, unchecked here (the events route verifies it against the cookie). */
  x?: string;
  events: BeaconEvent[];
}

/** One event of the batch refused by its schema, and why (the message names the field). */
export interface RefusedEvent {
  index: number;
  /** The event's `id` when it sent a usable one (so the sender can match the answer), else null. */
  id: string | null;
  code: "INVALID_EVENT";
  message: string;
}

export type BeaconParse =
  | {
      ok: true;
      beacon: Beacon;
      /** For each valid event (in `beacon.events`), its index in the batch as sent. */
      positions: number[];
      refused: RefusedEvent[];
      /** Events in the batch as sent. */
      total: number;
    }
  | { ok: false; message: string };

function issueText(prefix: string, issues: readonly v.BaseIssue<unknown>[]): string {
  const issue = issues[0];
  const path = [prefix, ...(issue?.path ?? []).map((p) => String(p.key))].filter(Boolean).join(".");
  return `${path ? `${path}: ` : ""}${issue?.message ?? "invalid"}`;
}

/**
 * Validates a parsed JSON body: the envelope as a whole, then each event on its own, so one
 * bad event refuses only itself.
 *
 * @example
 * const parsed = parseBeacon(JSON.parse(text));
 * if (!parsed.ok) return badRequest("INVALID_BEACON", parsed.message);
 * parsed.refused; // [{ index: 3, id: "k3j4h5g6", code: "INVALID_EVENT", message: "events.3.action: Invalid type: …" }]
 */
export function parseBeacon(body: unknown): BeaconParse {
  const envelope = v.safeParse(EnvelopeSchema, body);
  if (!envelope.success) return { ok: false, message: issueText("", envelope.issues) };
  const events: BeaconEvent[] = [];
  const positions: number[] = [];
  const refused: RefusedEvent[] = [];
  envelope.output.events.forEach((raw, index) => {
    const r = v.safeParse(BeaconEventSchema, raw);
    if (r.success) {
      events.push(r.output);
      positions.push(index);
      return;
    }
    const id = typeof raw === "object" && raw !== null && "id" in raw && v.is(EventId, raw.id) ? raw.id : null;
    refused.push({ index, id, code: "INVALID_EVENT", message: issueText(`events.${index}`, r.issues) });
  });
  const beacon: Beacon = { v: envelope.output.v, events };
  if (envelope.output.page) beacon.page = envelope.output.page;
  if (envelope.output.x !== undefined) beacon.x = envelope.output.x;
  return { ok: true, beacon, positions, refused, total: envelope.output.events.length };
}

function variantTopics(manifest: Manifest | null, slot: string, variant: string | undefined): string[] {
  if (!manifest || variant === undefined || !Object.hasOwn(manifest.slots, slot)) return [];
  return manifest.slots[slot]?.variants.find((x) => x.id === variant)?.topics ?? [];
}

/** What the Worker did to an accepted event, for the batch answer. */
export interface EventNote {
  code: "VALUE_CAPPED" | "UNDECLARED_GOAL";
  message: string;
}

/** The site owner's limits on what one event may carry. */
export interface EventLimits {
  /** EVENT_VALUE_CAP: a conversion's value or a cart price above it is recorded as the cap. */
  valueCap: number;
  /** The goals the live content declares (src/results/goals.ts). */
  goals: ReadonlySet<string>;
}

/**
 * The events to record, stamped with the server's time (a browser's clock is not trusted),
 * values capped at `limits.valueCap`. Topics: a click carries its variant's (from the
 * manifest), a conversion and a cart add the page's (manifest mapping first, then the page
 * meta the script read). Each event comes with what was changed or will not count.
 *
 * @example
 * const { events, notes } = toVisitorEvents(beacon, manifest, Date.now(), { valueCap: 100_000, goals: declaredGoals(manifest) });
 */
export function toVisitorEvents(beacon: Beacon, manifest: Manifest | null, now: number, limits: EventLimits): { events: VisitorEvent[]; notes: EventNote[][] } {
  const page = beacon.page;
  const mapped = page ? pageTopicsFromManifest(manifest, page.path) : null;
  const pageTopics = mapped ? mapped.topics : cleanTopics(page?.topics ?? []);
  const notes: EventNote[][] = [];
  const capped = (value: number, what: string, own: EventNote[]): number => {
    if (value <= limits.valueCap) return value;
    own.push({ code: "VALUE_CAPPED", message: `${what} ${value} recorded as ${limits.valueCap} (EVENT_VALUE_CAP)` });
    return limits.valueCap;
  };
  const counted = (goal: string, own: EventNote[]): void => {
    if (!limits.goals.has(goal)) own.push({ code: "UNDECLARED_GOAL", message: `goal '${goal.slice(0, 64)}' is not declared in the content: recorded, but counted in no experiment's results` });
  };
  const events = beacon.events.map((e): VisitorEvent => {
    const own: EventNote[] = [];
    notes.push(own);
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
        if (e.value !== undefined) conversion.value = capped(e.value, "value", own);
        counted(e.goal, own);
        return conversion;
      }
      case "cart": {
        const cart: VisitorEvent = { type: "cart", id: e.id, at: now, action: e.action, qty: e.qty, topics: pageTopics };
        if (e.sku !== undefined) cart.sku = e.sku;
        if (e.price !== undefined) cart.price = capped(e.price, "price", own);
        if (e.name !== undefined) cart.name = e.name;
        if (e.image !== undefined) cart.image = e.image;
        // The item's category, else the page's (the manifest's mapping, then its meta): the rules' visitor.cart.categories.
        const category = e.category ?? (mapped ? mapped.category : page?.category);
        if (e.action === "add" && category) cart.category = category.slice(0, MAX_CART_CATEGORY);
        if (e.action === "checkout") counted(CHECKOUT_GOAL, own);
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
  return { events, notes };
}
