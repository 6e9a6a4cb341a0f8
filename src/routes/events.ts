/**
 * POST /__p13n/events: the beacon. Answers (JSON `{ error: { code, message } }` on failure):
 *
 * | status | code                 | when                                                        |
 * |--------|----------------------|-------------------------------------------------------------|
 * | 200    | —                    | written (after the object's write): `{ accepted, duplicates, refused, results, exposure? }`, one result per event (src/routes/batch-answer.ts); an invalid event refuses only itself; a first page's exposure token (`x`) is answered in `exposure` |
 * | 204    | —                    | the visitor does not allow tracking (GPC, consent): nothing written, header `p13n-ignored: consent` |
 * | 400    | MALFORMED_JSON       | the body is not JSON                                        |
 * | 400    | INVALID_BEACON       | the envelope fails the schema (no events nor exposure token, over 50, a bad page), or every event does (and no valid token came): the message names the field; `results` when events were judged one by one |
 * | 401    | NO_VISITOR           | no verified visitor cookie (a body-supplied id is ignored)  |
 * | 403    | CROSS_SITE           | sent from another origin                                    |
 * | 413    | BEACON_TOO_LARGE     | over 64 KiB                                                 |
 * | 415    | UNSUPPORTED_MEDIA_TYPE | not text/plain or application/json                        |
 * | 429    | RATE_LIMITED         | over BEACON_RATE_PER_MIN events for this visitor (Retry-After); nothing of the batch written |
 * | 503    | STATE_OVERLOADED / STATE_TIMEOUT / STATE_UNAVAILABLE | the object did not take the write (Retry-After); resending is safe: ids are deduplicated |
 * | 503    | CONTENT_UNAVAILABLE  | a conversion or a first page's exposures came while the manifest (its declared goals, its experiments) could not be read: nothing written (Retry-After) |
 */
import type { Context } from "hono";
import type { AppEnv } from "../app-env.ts";
import { liveManifest } from "../pipeline/inputs.ts";
import { describeError, refuse, type ErrorCode } from "../errors.ts";
import { resolveIdentity } from "../identity/resolve.ts";
import { recordEvents } from "../visitor/access.ts";
import { copyKeeper } from "../visitor/edge-copy.ts";
import { MAX_BEACON_BYTES, parseBeacon, toVisitorEvents } from "../visitor/beacon.ts";
import { visitorObjectName } from "../visitor/key.ts";
import { declaredGoals } from "../results/goals.ts";
import { verifyExposureToken, type ExposureCheck } from "../results/exposure-token.ts";
import { claimedExposures } from "../results/exposures.ts";
import { readAllocation } from "../results-store/allocation-store.ts";
import type { Manifest } from "../engine/types.ts";
import type { RecordBatch } from "../visitor/events.ts";
import type { Config } from "../config/config.ts";
import { batchAnswer, type ExposureResult } from "./batch-answer.ts";
import { crossSiteReason, mediaType } from "./cross-site.ts";
import { readBody } from "./read-body.ts";
import { logEvent } from "../observability/log.ts";
import { recordPerformance } from "../performance/record.ts";

const NO_STORE = { "cache-control": "no-store" };

/** A verified first-page token as the batch's exposures, counted with the shares in force (a bandit's weights, else the manifest's). */
async function exposuresOf(c: Context<AppEnv>, config: Config, check: Extract<ExposureCheck, { ok: true }>, manifest: Manifest | null, now: number): Promise<Pick<RecordBatch, "exposures" | "exposureKey" | "exposedAt">> {
  const allocation = await readAllocation(c.env.CONTENT, { ttlMs: config.manifestTtlMs, budgetMs: config.manifestBudgetMs, waitUntil: (p) => c.executionCtx.waitUntil(p), now });
  return { exposures: claimedExposures(check.claims, manifest, allocation), exposureKey: check.key, exposedAt: check.issuedAt };
}

/** Step 1's refusals (origin, media type, size), cheapest first: the body's text, or the refusal. */
async function admitBody(request: Request): Promise<string | Response> {
  const why = crossSiteReason(request);
  if (why) return refuse("CROSS_SITE", `beacons are accepted from this site's own pages only (${why})`, NO_STORE);
  const type = mediaType(request);
  if (type !== "text/plain" && type !== "application/json") {
    return refuse("UNSUPPORTED_MEDIA_TYPE", "send JSON as text/plain (sendBeacon) or application/json", NO_STORE);
  }
  const body = await readBody(request, MAX_BEACON_BYTES);
  if (!body.ok) return refuse("BEACON_TOO_LARGE", `a beacon is at most ${MAX_BEACON_BYTES} bytes`, NO_STORE);
  return new TextDecoder().decode(body.bytes);
}

/** Step 3: JSON, then the schema; a parsed beacon (some events may be refused one by one), or the refusal. */
function parseText(text: string): Extract<ReturnType<typeof parseBeacon>, { ok: true }> | Response {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return refuse("MALFORMED_JSON", "the body is not JSON", NO_STORE);
  }
  const parsed = parseBeacon(json);
  return parsed.ok ? parsed : refuse("INVALID_BEACON", parsed.message, NO_STORE);
}

/** The object did not take the write: a 503 the client retries (ids are deduplicated, so resending is safe). */
function notWritten(status: "overload" | "timeout" | "error", error: unknown): Response {
  logEvent("error", "events", "BEACON_WRITE_FAILED", { status, error: describeError(error) });
  const code: ErrorCode = status === "overload" ? "STATE_OVERLOADED" : status === "timeout" ? "STATE_TIMEOUT" : "STATE_UNAVAILABLE";
  return refuse(code, "the visitor's memory did not take the events; sending them again is safe", { ...NO_STORE, "retry-after": "5" });
}

export async function events(c: Context<AppEnv>): Promise<Response> {
  const config = c.get("config");
  const request = c.req.raw;
  const now = Date.now();

  // 1. Cheap refusals first: where it came from, what it is, how big.
  const text = await admitBody(request);
  if (text instanceof Response) return text;

  // 2. Who: only the verified cookie says; an opted-out visitor is answered, never written.
  const identity = await resolveIdentity(request, config, now);
  if (!identity.consent.track) return c.body(null, 204, { ...NO_STORE, "p13n-ignored": "consent" });
  // No id is issued here: a beacon without our cookie (or a verified profile) creates nothing.
  const name = visitorObjectName(identity);
  if (!name) return refuse("NO_VISITOR", "no verified visitor cookie came with the beacon", NO_STORE);

  // 3. What: JSON, then the schema.
  const parsed = parseText(text);
  if (parsed instanceof Response) return parsed;
  // A first page's exposures (src/results/exposure-token.ts): only what the Worker signed for this cookie's visitor id.
  const check = parsed.beacon.x === undefined ? null : await verifyExposureToken(parsed.beacon.x, config.visitorSecret, identity.visitorId, now);
  const refusedExposure: ExposureResult | undefined = check && !check.ok ? { status: "refused", code: check.code, message: check.message } : undefined;
  if (parsed.beacon.events.length === 0 && !check?.ok) {
    // Nothing valid to write: the first problem as the error, every event's in `results`.
    const answer = batchAnswer(parsed, [], undefined, refusedExposure);
    return refuse("INVALID_BEACON", parsed.refused[0]?.message ?? refusedExposure?.message ?? "nothing to record", NO_STORE, { ...answer });
  }

  // 4. Topics and declared goals come from the manifest (held per isolate; a miss loses topics, and counts no goal).
  const manifest = await liveManifest({ config, env: c.env, waitUntil: (p) => c.executionCtx.waitUntil(p) }, now);
  const converts = parsed.beacon.events.some((e) => e.type === "conversion" || (e.type === "cart" && e.action === "checkout"));
  if ((converts || check?.ok) && manifest.manifest === null && manifest.source !== "none") {
    // Which goals (or experiments) count is unknown just now: take nothing rather than drop a real conversion or exposure.
    return refuse("CONTENT_UNAVAILABLE", "the declared goals could not be read just now; sending the events again is safe", { ...NO_STORE, "retry-after": "5" });
  }
  const goals = declaredGoals(manifest.manifest);
  const { events: toRecord, notes } = toVisitorEvents(parsed.beacon, manifest.manifest, now, { valueCap: config.eventValueCap, goals });
  const batch: RecordBatch = { events: toRecord, now, rate: { perMinute: config.beaconRatePerMin }, goals: [...goals], personalize: identity.consent.personalize };
  if (check?.ok) Object.assign(batch, await exposuresOf(c, config, check, manifest.manifest, now));

  // 5. Acknowledge only what the object wrote.
  const out = await recordEvents(c.env.VISITOR, name, batch, config.stateWriteBudgetMs, copyKeeper(config, (p) => c.executionCtx.waitUntil(p)));
  if (!out.ok) return notWritten(out.status, out.error);
  if (!out.result.ok) {
    return refuse("RATE_LIMITED", `over ${config.beaconRatePerMin} events a minute`, { ...NO_STORE, "retry-after": String(out.result.retryAfterS) });
  }
  // 6. How each variant does (after the answer, in waitUntil): the accepted events only.
  recordPerformance(
    { env: c.env, config, waitUntil: (p) => c.executionCtx.waitUntil(p) },
    { request, pagePath: parsed.beacon.page?.path, identity, objectName: name, events: parsed.beacon.events, statuses: out.result.statuses, manifest: manifest.manifest, now },
  );
  const exposure: ExposureResult | undefined = refusedExposure ?? (out.result.exposure ? { status: out.result.exposure } : undefined);
  return c.json(batchAnswer(parsed, notes, out.result.statuses, exposure), 200, NO_STORE);
}
