/**
 * POST /__p13n/events/server: a backend (a CRM, a help desk, a shop) records events for a
 * signed-in visitor by their profile `sub` (README "Server events"). Answers (JSON
 * `{ error: { code, message } }` on failure):
 *
 * | status | code | when |
 * |--------|------|------|
 * | 200 | — | `{ accepted, duplicates, refused, replayed, results }`: one result per event in the order sent; a message id seen before records nothing again (`replayed: true`, every event `duplicate`) |
 * | 200 | — | `{ ignored: "consent", … }`: the message's consent (or the site's default) does not allow tracking, or the visitor withdrew consent on the web: nothing recorded |
 * | 400 | MALFORMED_JSON / INVALID_EVENTS | not JSON / the envelope fails the schema, or every event does (`results` say why) |
 * | 401 | UNKNOWN_SOURCE | no `p13n-source`, or one SERVER_EVENT_SOURCES does not name |
 * | 401 | BAD_SIGNATURE | a Standard Webhooks header missing or malformed, or the signature does not verify with the source's key |
 * | 401 | STALE_TIMESTAMP | `webhook-timestamp` more than 5 minutes from the Worker's clock |
 * | 404 | NOT_FOUND | SERVER_EVENT_SOURCES is not set: the route is off |
 * | 413 | TOO_LARGE | over 64 KiB (declared or streamed; never read past the limit) |
 * | 415 | UNSUPPORTED_MEDIA_TYPE | not application/json |
 * | 429 | RATE_LIMITED | over the source's SERVER_EVENTS limit (Retry-After) |
 * | 503 | LIMIT_UNAVAILABLE / STATE_* | the limiter or the visitor's object did not answer (Retry-After); resending is safe |
 */
import type { Context } from "hono";
import type { AppEnv } from "../app-env.ts";
import { describeError, refuse, type ErrorCode } from "../errors.ts";
import { logEvent } from "../observability/log.ts";
import { decidePrivacy } from "../privacy/policy.ts";
import { authenticate } from "../server-events/authenticate.ts";
import { MAX_SERVER_BODY_BYTES, parseServerEvents, type ServerParse } from "../server-events/wire.ts";
import { withinBudget } from "../timing.ts";
import type { EventNote } from "../visitor/beacon.ts";
import type { EventStatus } from "../visitor/events.ts";
import { isOverloaded } from "../visitor/access.ts";
import { copySettings, dropCopies } from "../visitor/edge-copy.ts";
import { visitorStub } from "../visitor/key.ts";
import type { ServerRecordResult } from "../visitor/store/server-memory.ts";
import { withdrawVisitor } from "../visitor/withdraw.ts";
import { mediaType } from "./cross-site.ts";
import { byteSize, readBody } from "./read-body.ts";

const NO_STORE = { "cache-control": "no-store" };
/** The limiter answers from the colo's own counters; past this the message is refused (fail closed: the limit bounds objects). */
const LIMIT_BUDGET_MS = 100;

interface Result {
  id: string | null;
  status: EventStatus | "refused" | "ignored";
  code?: string;
  message?: string;
  notes?: EventNote[];
}

/** One result per event, in the order sent. */
function results(parsed: Extract<ServerParse, { ok: true }>, statuses: readonly (EventStatus | "ignored")[]): Result[] {
  const out = new Array<Result>(parsed.envelope.events.length);
  for (const r of parsed.refused) out[r.index] = { id: r.id, status: "refused", code: r.code, message: r.message };
  parsed.events.forEach((e, k) => {
    const status = statuses[k] ?? "ignored";
    const own = parsed.notes[k] ?? [];
    out[parsed.positions[k]!] = { id: e.id, status, ...(status === "accepted" && own.length > 0 ? { notes: own } : {}) };
  });
  return out;
}

function answer(parsed: Extract<ServerParse, { ok: true }>, statuses: readonly (EventStatus | "ignored")[], extra: Record<string, unknown>) {
  const list = results(parsed, statuses);
  return {
    accepted: list.filter((r) => r.status === "accepted").length,
    duplicates: list.filter((r) => r.status === "duplicate").length,
    refused: parsed.refused.length,
    ...extra,
    results: list,
  };
}

/** Asks the SERVER_EVENTS limiter for one of the source's messages; null when it did not answer (fail closed). */
async function underLimit(limiter: RateLimit | undefined, source: string): Promise<boolean | null> {
  if (!limiter) return null;
  const r = await withinBudget(Promise.resolve().then(() => limiter.limit({ key: `source:${source}` })), LIMIT_BUDGET_MS);
  if (r.ok) return r.value.success;
  logEvent("error", "server-events", "RATE_LIMIT_FAILED", { status: r.reason, error: describeError(r.error) });
  return null;
}

export async function serverEvents(c: Context<AppEnv>): Promise<Response> {
  const config = c.get("config");
  const request = c.req.raw;
  const now = Date.now();
  if (config.serverSources.size === 0) return refuse("NOT_FOUND", "server events are off: set the SERVER_EVENT_SOURCES secret", NO_STORE);

  // 1. Cheap refusals: what it is, how big (never read past the limit).
  if (mediaType(request) !== "application/json") return refuse("UNSUPPORTED_MEDIA_TYPE", "send the events as JSON with Content-Type: application/json", NO_STORE);
  const body = await readBody(request, MAX_SERVER_BODY_BYTES);
  if (!body.ok) return refuse("TOO_LARGE", `a message is at most ${byteSize(MAX_SERVER_BODY_BYTES)}: send fewer events per message`, NO_STORE);

  // 2. Who: the source, its signature over exactly these bytes, a recent timestamp.
  const who = await authenticate(request, body.bytes, config.serverSources, now);
  if (!who.ok) return refuse(who.code, who.message, NO_STORE);

  // 3. How many: per source (counted only once authenticated, so no one else can spend a source's budget).
  const allowed = await underLimit(c.env.SERVER_EVENTS, who.source);
  if (allowed === null) return refuse("LIMIT_UNAVAILABLE", "the rate limiter did not answer; sending the message again is safe", { ...NO_STORE, "retry-after": "5" });
  if (!allowed) return refuse("RATE_LIMITED", `over ${who.source}'s SERVER_EVENTS limit`, { ...NO_STORE, "retry-after": "60" });

  // 4. What: JSON, the envelope, each event.
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(body.bytes));
  } catch {
    return refuse("MALFORMED_JSON", "the body is not JSON", NO_STORE);
  }
  const parsed = parseServerEvents(json, { now, oldestMs: config.retentionDays * 86_400_000, valueCap: config.eventValueCap, source: who.settings });
  if (!parsed.ok) return refuse("INVALID_EVENTS", parsed.message, NO_STORE);
  if (parsed.events.length === 0) return refuse("INVALID_EVENTS", parsed.refused[0]?.message ?? "nothing to record", NO_STORE, answer(parsed, [], {}));

  // 5. Respect the no: the consent the message carries, with the site's policy (GPC and cookies are a browser's).
  const { sub, consent } = parsed.envelope;
  const privacy = decidePrivacy({ gpc: false, profile: consent ?? {}, site: {}, visitor: {} }, config.privacy);
  if (!privacy.track) {
    // An explicit "no" from the backend withdraws: hooks still waiting for this visitor go.
    if (consent?.track === false) await withdrawVisitor(c.env.VISITOR, sub, { now }, config.stateWriteBudgetMs);
    return c.json(answer(parsed, [], { ignored: "consent" }), 200, { ...NO_STORE, "p13n-ignored": "consent" });
  }

  // 6. Write, and answer only what the object wrote.
  const batch = { source: who.source, messageId: who.messageId, events: parsed.events, now, personalize: privacy.personalize };
  let work: Promise<ServerRecordResult>;
  try {
    work = visitorStub(c.env.VISITOR, `sub:${sub}`).serverEvents(batch);
  } catch (err) {
    work = Promise.reject(err);
  }
  const out = await withinBudget(work, config.stateWriteBudgetMs);
  if (!out.ok) {
    logEvent("error", "server-events", "SERVER_EVENTS_WRITE_FAILED", { source: who.source, status: out.reason, error: describeError(out.error) });
    const code: ErrorCode = out.reason === "timeout" ? "STATE_TIMEOUT" : isOverloaded(out.error) ? "STATE_OVERLOADED" : "STATE_UNAVAILABLE";
    return refuse(code, "the visitor's memory did not take the events; sending the message again is safe", { ...NO_STORE, "retry-after": "5" });
  }
  if (!out.value.ok) return c.json(answer(parsed, [], { ignored: "consent" }), 200, { ...NO_STORE, "p13n-ignored": "consent" });
  // This colo's copy of the memory predates the events (others catch up: README "Memory at the edge").
  const copies = !out.value.replayed && copySettings(config);
  if (copies) await dropCopies(copies, [`sub:${sub}`]);
  return c.json(answer(parsed, out.value.statuses, { replayed: out.value.replayed }), 200, NO_STORE);
}
