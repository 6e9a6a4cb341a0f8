/**
 * The body a backend sends to POST /__p13n/events/server (README "Server events"), validated the
 * way the beacon is: the envelope as a whole, then each event on its own (one bad event refuses
 * only itself), and translated into what the visitor's object applies
 * (src/visitor/store/server-memory.ts).
 *
 * ```json
 * { "sub": "cust-1042",
 *   "consent": { "track": true, "personalize": true },
 *   "events": [
 *     { "id": "case-4711-opened", "type": "case.opened", "case": "4711", "at": "2026-11-23T10:00:00Z" },
 *     { "id": "order-9001", "type": "order.placed", "channel": "phone", "value": 129.9, "skus": ["aero-leggings"], "topics": ["leggings"] },
 *     { "id": "sub-77-2026-11", "type": "subscription.changed", "plan": "premium", "status": "active" } ] }
 * ```
 *
 * `sub` is the profile subject your backend signs into the profile cookie: the same visitor on
 * every channel. `consent` is what your backend knows of the customer's consent, the same claims
 * it signs into the profile (absent: the site's CONSENT_DEFAULT decides). Event ids are yours
 * (an order number, a case's event id): resending one records nothing twice. `at` (ISO 8601) is
 * when it happened, within the last RETENTION_DAYS and at most 5 minutes ahead; absent: now.
 */
import * as v from "valibot";
import type { ServerSource } from "../config/integrations.ts";
import { CHANNEL_TOKEN } from "../engine/attributes.ts";
import { IdSchema } from "../engine/schema.ts";
import { cleanTopics, MAX_PAGE_TOPICS, MAX_TOPIC_LENGTH } from "../content/page-topics.ts";
import { SUBSCRIPTION_STATUSES, type ServerEvent } from "../visitor/store/server-memory.ts";
import { MAX_CART_LINES } from "../visitor/schema.ts";
import type { EventNote } from "../visitor/beacon.ts";

/** A server message is at most this large (the beacon's limit: 50 events fit with room). */
export const MAX_SERVER_BODY_BYTES = 64 * 1024;
export const MAX_SERVER_EVENTS = 50;
/** An event may be dated this far ahead of the Worker's clock (clock skew), no further. */
const FUTURE_SKEW_MS = 5 * 60_000;

const EventId = v.pipe(v.string(), v.regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/, "1–128 letters, digits, '_', '.', ':' or '-'"));
const CaseId = v.pipe(v.string(), v.regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/, "1–64 letters, digits, '_', '.', ':' or '-'"));
const At = v.optional(v.pipe(v.string(), v.isoTimestamp("an ISO 8601 timestamp such as 2026-11-23T10:00:00Z")));
const Money = v.pipe(v.number(), v.finite(), v.minValue(0), v.maxValue(1e9));
const Topics = v.optional(v.pipe(v.array(v.pipe(v.string(), v.maxLength(MAX_TOPIC_LENGTH))), v.maxLength(MAX_PAGE_TOPICS)), []);

const EventSchema = v.variant("type", [
  v.object({ type: v.literal("case.opened"), id: EventId, at: At, case: CaseId }),
  v.object({ type: v.literal("case.closed"), id: EventId, at: At, case: CaseId }),
  v.object({
    type: v.literal("order.placed"),
    id: EventId,
    at: At,
    channel: v.optional(v.pipe(v.string(), v.regex(CHANNEL_TOKEN, "a lower-case token such as phone, store or offline")), "offline"),
    value: v.optional(Money),
    skus: v.optional(v.pipe(v.array(v.pipe(v.string(), v.minLength(1), v.maxLength(64))), v.maxLength(MAX_CART_LINES)), []),
    topics: Topics,
  }),
  v.object({ type: v.literal("subscription.changed"), id: EventId, at: At, plan: v.optional(IdSchema), status: v.picklist(SUBSCRIPTION_STATUSES) }),
]);

const EnvelopeSchema = v.object({
  sub: v.pipe(v.string(), v.minLength(1), v.maxLength(256)),
  consent: v.optional(v.object({ track: v.optional(v.boolean()), personalize: v.optional(v.boolean()) })),
  events: v.pipe(v.array(v.unknown()), v.minLength(1, "at least one event"), v.maxLength(MAX_SERVER_EVENTS, `at most ${MAX_SERVER_EVENTS} events`)),
});

export type ServerEnvelope = v.InferOutput<typeof EnvelopeSchema>;

export type RefusalCode = "INVALID_EVENT" | "EVENT_NOT_ALLOWED";

export interface ServerRefusal {
  index: number;
  id: string | null;
  code: RefusalCode;
  message: string;
}

export type ServerParse =
  | {
      ok: true;
      envelope: ServerEnvelope;
      /** The events to apply, and each one's index in the message as sent. */
      events: ServerEvent[];
      positions: number[];
      refused: ServerRefusal[];
      /** Per accepted event: what the Worker changed (VALUE_CAPPED). */
      notes: EventNote[][];
    }
  | { ok: false; message: string };

function issueText(prefix: string, issues: readonly v.BaseIssue<unknown>[]): string {
  const issue = issues[0];
  const path = [prefix, ...(issue?.path ?? []).map((p) => String(p.key))].filter(Boolean).join(".");
  return `${path ? `${path}: ` : ""}${issue?.message ?? "invalid"}`;
}

export interface ParseLimits {
  now: number;
  /** The oldest `at` taken (RETENTION_DAYS back): older facts would be erased at once. */
  oldestMs: number;
  /** EVENT_VALUE_CAP. */
  valueCap: number;
  /** The sending source: the event types it may send. */
  source: ServerSource;
}

/**
 * Validates a parsed body: the envelope, then each event (its schema, its time, whether this
 * source may send its type).
 *
 * @example
 * const parsed = parseServerEvents(JSON.parse(text), { now, oldestMs: 30 * 86_400_000, valueCap: 100_000, source });
 * if (!parsed.ok) return refuse("INVALID_EVENTS", parsed.message);
 */
export function parseServerEvents(body: unknown, limits: ParseLimits): ServerParse {
  const envelope = v.safeParse(EnvelopeSchema, body);
  if (!envelope.success) return { ok: false, message: issueText("", envelope.issues) };
  const events: ServerEvent[] = [];
  const positions: number[] = [];
  const refused: ServerRefusal[] = [];
  const notes: EventNote[][] = [];
  envelope.output.events.forEach((raw, index) => {
    const id = typeof raw === "object" && raw !== null && "id" in raw && v.is(EventId, raw.id) ? raw.id : null;
    const r = v.safeParse(EventSchema, raw);
    if (!r.success) {
      refused.push({ index, id, code: "INVALID_EVENT", message: issueText(`events.${index}`, r.issues) });
      return;
    }
    const e = r.output;
    if (limits.source.events && !limits.source.events.has(e.type)) {
      refused.push({ index, id, code: "EVENT_NOT_ALLOWED", message: `events.${index}.type: this source may send ${[...limits.source.events].join(", ")} only` });
      return;
    }
    const at = e.at === undefined ? limits.now : Date.parse(e.at);
    if (!Number.isFinite(at) || at > limits.now + FUTURE_SKEW_MS || at < limits.now - limits.oldestMs) {
      refused.push({ index, id, code: "INVALID_EVENT", message: `events.${index}.at: within the last ${Math.round(limits.oldestMs / 86_400_000)} days and not in the future` });
      return;
    }
    const own: EventNote[] = [];
    events.push(toServerEvent(e, at, limits.valueCap, own));
    positions.push(index);
    notes.push(own);
  });
  return { ok: true, envelope: envelope.output, events, positions, refused, notes };
}

function toServerEvent(e: v.InferOutput<typeof EventSchema>, at: number, valueCap: number, notes: EventNote[]): ServerEvent {
  switch (e.type) {
    case "case.opened":
    case "case.closed":
      return { type: e.type, id: e.id, at, case: e.case };
    case "order.placed": {
      const order: ServerEvent = { type: "order.placed", id: e.id, at, channel: e.channel, skus: [...new Set(e.skus)], topics: cleanTopics(e.topics) };
      if (e.value !== undefined) {
        if (e.value > valueCap) notes.push({ code: "VALUE_CAPPED", message: `value ${e.value} recorded as ${valueCap} (EVENT_VALUE_CAP)` });
        order.value = Math.min(e.value, valueCap);
      }
      return order;
    }
    case "subscription.changed":
      return { type: "subscription.changed", id: e.id, at, status: e.status, ...(e.plan !== undefined ? { plan: e.plan } : {}) };
  }
}
