/**
 * A remote JWKS held per isolate. Unlike jose's `createRemoteJWKSet`, an
 * unknown `kid` never triggers a fetch (a forged token cannot make us call
 * out); the set is refreshed only when its TTL runs out, within a short
 * budget, and the last good set is kept when the refresh fails.
 */
import { createLocalJWKSet, type JWK, type JWTVerifyGetKey } from "jose";

const TTL_MS = 10 * 60 * 1000;
/** After a failed fetch, wait this long before trying again (no thundering herd on a dead JWKS). */
const RETRY_MS = 30 * 1000;

interface Entry {
  set?: JWTVerifyGetKey;
  fetchedAt: number;
  failedAt?: number;
  inflight?: Promise<void>;
}

const entries = new Map<string, Entry>();

class JwksTimeout extends Error {
  override name = "JwksTimeout";
}

async function load(url: string, entry: Entry, budgetMs: number): Promise<void> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(budgetMs), headers: { accept: "application/json" } });
    if (!res.ok) throw new Error(`JWKS answered ${res.status}`);
    const body = (await res.json()) as { keys: JWK[] };
    entry.set = createLocalJWKSet(body);
    entry.fetchedAt = Date.now();
    entry.failedAt = undefined;
  } catch (err) {
    entry.failedAt = Date.now();
    throw err;
  } finally {
    entry.inflight = undefined;
  }
}

/**
 * A key getter for jwtVerify backed by the cached set at `url`.
 *
 * @example
 * await jwtVerify(token, jwksKeyGetter("https://id.example/jwks.json", 200), { algorithms: ["RS256"] });
 */
export function jwksKeyGetter(url: string, budgetMs: number): JWTVerifyGetKey {
  return async (header, token) => {
    let entry = entries.get(url);
    if (!entry) {
      entry = { fetchedAt: 0 };
      entries.set(url, entry);
    }
    const now = Date.now();
    const stale = now - entry.fetchedAt > TTL_MS;
    const mayRetry = entry.failedAt === undefined || now - entry.failedAt > RETRY_MS;
    if (stale && mayRetry && !entry.inflight) {
      entry.inflight = load(url, entry, budgetMs).catch(() => undefined);
    }
    if (!entry.set && entry.inflight) await entry.inflight;
    if (!entry.set) throw new JwksTimeout("JWKS unavailable");
    return entry.set(header, token);
  };
}
