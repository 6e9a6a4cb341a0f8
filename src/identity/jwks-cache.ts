/**
 * A remote JWKS held per isolate. Unlike jose's `createRemoteJWKSet`, a token
 * cannot make us call out at will: the set is refreshed when its TTL runs out,
 * and an unknown `kid` (a key rotated in at the issuer since our copy) triggers
 * at most one refetch per URL per minute in this isolate, shared by every
 * request that meets it; a flood of forged kids costs one fetch a minute. Every
 * fetch runs within the budget (JWKS_BUDGET_MS) and the last good set is kept
 * when one fails.
 */
import { createLocalJWKSet, errors, type JWK, type JWTVerifyGetKey } from "jose";

const TTL_MS = 10 * 60 * 1000;
/** After a failed fetch, wait this long before trying again (no thundering herd on a dead JWKS). */
const RETRY_MS = 30 * 1000;
/** An unknown `kid` refetches the set only if no fetch started for this URL within this long. */
export const UNKNOWN_KID_REFETCH_MS = 60 * 1000;

interface Entry {
  set?: JWTVerifyGetKey;
  fetchedAt: number;
  /** When the last fetch (scheduled, or for an unknown kid) started: the unknown-kid refetch is counted from it. */
  startedAt: number;
  failedAt?: number;
  inflight?: Promise<void>;
}

const entries = new Map<string, Entry>();

class JwksTimeout extends Error {
  override name = "JwksTimeout";
}

async function load(url: string, entry: Entry, budgetMs: number, now: number): Promise<void> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(budgetMs), headers: { accept: "application/json" } });
    if (!res.ok) throw new Error(`JWKS answered ${res.status}`);
    const body = (await res.json()) as { keys: JWK[] };
    entry.set = createLocalJWKSet(body);
    entry.fetchedAt = now;
    entry.failedAt = undefined;
  } catch (err) {
    entry.failedAt = now;
    throw err;
  } finally {
    entry.inflight = undefined;
  }
}

/** Starts a fetch of the set (one at a time per URL); failures only mark the entry. */
function refresh(url: string, entry: Entry, budgetMs: number, now: number): Promise<void> {
  entry.startedAt = now;
  entry.inflight = load(url, entry, budgetMs, now).catch(() => undefined);
  return entry.inflight;
}

function isNoMatchingKey(err: unknown): boolean {
  return err instanceof errors.JOSEError && err.code === "ERR_JWKS_NO_MATCHING_KEY";
}

/**
 * A key getter for jwtVerify backed by the cached set at `url`; `now` is the request's
 * clock (epoch ms; tests move it instead of sleeping).
 *
 * @example
 * await jwtVerify(token, jwksKeyGetter("https://id.example/jwks.json", 200, Date.now()), { algorithms: ["RS256"] });
 */
export function jwksKeyGetter(url: string, budgetMs: number, now: number): JWTVerifyGetKey {
  return async (header, token) => {
    let entry = entries.get(url);
    if (!entry) {
      entry = { fetchedAt: -Infinity, startedAt: -Infinity };
      entries.set(url, entry);
    }
    const stale = now - entry.fetchedAt > TTL_MS;
    const mayRetry = entry.failedAt === undefined || now - entry.failedAt > RETRY_MS;
    if (stale && mayRetry && !entry.inflight) void refresh(url, entry, budgetMs, now);
    if (!entry.set && entry.inflight) await entry.inflight;
    if (!entry.set) throw new JwksTimeout("JWKS unavailable");
    try {
      return await entry.set(header, token);
    } catch (err) {
      if (!isNoMatchingKey(err)) throw err;
      // A rotation: the issuer may have published this kid since our copy. One refetch per
      // minute at most, awaited by every request that needs it; otherwise refused as before.
      if (!entry.inflight && now - entry.startedAt >= UNKNOWN_KID_REFETCH_MS) void refresh(url, entry, budgetMs, now);
      if (!entry.inflight) throw err;
      await entry.inflight;
      const renewed = entry.set;
      if (!renewed) throw err;
      return renewed(header, token);
    }
  };
}
