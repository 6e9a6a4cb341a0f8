/**
 * POST /__p13n/events: the beacon. Answers (JSON `{ error: { code, message } }` on failure):
 *
 * | status | code                 | when                                                        |
 * |--------|----------------------|-------------------------------------------------------------|
 * | 200    | —                    | written: `{ accepted, duplicates }` (after the object's write) |
 * | 204    | —                    | the visitor does not allow tracking (GPC, consent): nothing written, header `p13n-ignored: consent` |
 * | 400    | MALFORMED_JSON       | the body is not JSON                                        |
 * | 400    | INVALID_BEACON       | the body fails the schema (the message names the field)     |
 * | 401    | NO_VISITOR           | no verified visitor cookie (a body-supplied id is ignored)  |
 * | 403    | CROSS_SITE           | sent from another origin                                    |
 * | 413    | BEACON_TOO_LARGE     | over 64 KiB                                                 |
 * | 415    | UNSUPPORTED_MEDIA_TYPE | not text/plain or application/json                        |
 * | 429    | RATE_LIMITED         | over BEACON_RATE_PER_MIN events for this visitor (Retry-After); nothing of the batch written |
 * | 503    | STATE_OVERLOADED / STATE_TIMEOUT / STATE_UNAVAILABLE | the object did not take the write (Retry-After); resending is safe: ids are deduplicated |
 */
import type { Context } from "hono";
import type { AppEnv } from "../app-env.ts";
import { getConfig } from "../config.ts";
import { readManifest } from "../content/manifest-store.ts";
import { describeError } from "../errors.ts";
import { resolveIdentity } from "../identity/resolve.ts";
import { recordEvents } from "../visitor/access.ts";
import { MAX_BEACON_BYTES, parseBeacon, toVisitorEvents } from "../visitor/beacon.ts";
import { visitorObjectName } from "../visitor/key.ts";
import { logEvent } from "../observability/log.ts";

const NO_STORE = { "cache-control": "no-store" };

function refuse(c: Context<AppEnv>, status: 400 | 401 | 403 | 413 | 415 | 429 | 503, code: string, message: string, headers: Record<string, string> = {}): Response {
  return c.json({ error: { code, message } }, status, { ...NO_STORE, ...headers });
}

/** Cross-origin beacons are refused: no CORS, and a same-origin script is the only sender. */
function crossSite(request: Request): boolean {
  const fetchSite = request.headers.get("sec-fetch-site");
  if (fetchSite !== null && fetchSite !== "same-origin" && fetchSite !== "none") return true;
  const origin = request.headers.get("origin");
  if (origin === null) return false;
  return !URL.canParse(origin) || new URL(origin).host !== new URL(request.url).host;
}

/** The body as text, or null when it is over `limit` bytes (read no further than that). */
async function readLimited(request: Request, limit: number): Promise<string | null> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > limit) return null;
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  const all = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    all.set(chunk, at);
    at += chunk.byteLength;
  }
  return new TextDecoder().decode(all);
}

export async function events(c: Context<AppEnv>): Promise<Response> {
  const config = getConfig(c.env);
  const request = c.req.raw;
  const now = Date.now();

  // 1. Cheap refusals first: where it came from, what it is, how big.
  if (crossSite(request)) return refuse(c, 403, "CROSS_SITE", "beacons are accepted from this site's own pages only");
  const type = (request.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "text/plain" && type !== "application/json") {
    return refuse(c, 415, "UNSUPPORTED_MEDIA_TYPE", "send JSON as text/plain (sendBeacon) or application/json");
  }
  const text = await readLimited(request, MAX_BEACON_BYTES);
  if (text === null) return refuse(c, 413, "BEACON_TOO_LARGE", `a beacon is at most ${MAX_BEACON_BYTES} bytes`);

  // 2. Who: only the verified cookie says; an opted-out visitor is answered, never written.
  const identity = await resolveIdentity(request, config, now);
  if (!identity.consent.track) return c.body(null, 204, { ...NO_STORE, "p13n-ignored": "consent" });
  // No id is issued here: a beacon without our cookie (or a verified profile) creates nothing.
  const name = visitorObjectName(identity);
  if (!name) return refuse(c, 401, "NO_VISITOR", "no verified visitor cookie came with the beacon");

  // 3. What: JSON, then the schema.
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return refuse(c, 400, "MALFORMED_JSON", "the body is not JSON");
  }
  const parsed = parseBeacon(json);
  if (!parsed.ok) return refuse(c, 400, "INVALID_BEACON", parsed.message);

  // 4. Topics come from the manifest (held per isolate; a miss only loses topics).
  const manifest = await readManifest(c.env.CONTENT, {
    ttlMs: config.manifestTtlMs,
    budgetMs: config.manifestBudgetMs,
    waitUntil: (p) => c.executionCtx.waitUntil(p),
  });
  const batch = { events: toVisitorEvents(parsed.beacon, manifest.manifest, now), now, rate: { perMinute: config.beaconRatePerMin } };

  // 5. Acknowledge only what the object wrote.
  const out = await recordEvents(c.env.VISITOR, name, batch, config.stateWriteBudgetMs);
  if (!out.ok) {
    logEvent("error", "events", "BEACON_WRITE_FAILED", { status: out.status, error: describeError(out.error) });
    const code = out.status === "overload" ? "STATE_OVERLOADED" : out.status === "timeout" ? "STATE_TIMEOUT" : "STATE_UNAVAILABLE";
    return refuse(c, 503, code, "the visitor's memory did not take the events; sending them again is safe", { "retry-after": "5" });
  }
  if (!out.result.ok) {
    return refuse(c, 429, "RATE_LIMITED", `over ${config.beaconRatePerMin} events a minute`, { "retry-after": String(out.result.retryAfterS) });
  }
  return c.json({ accepted: out.result.accepted, duplicates: out.result.duplicates }, 200, NO_STORE);
}
