/**
 * A remote JWKS held per isolate (src/held-value.ts). Unlike jose's `createRemoteJWKSet`, a token
 * cannot make us call out at will: the set is refreshed when its TTL runs out, and an unknown
 * `kid` (a key rotated in at the issuer since our copy) triggers at most one refetch per URL per
 * minute in this isolate, shared by every request that meets it; a flood of forged kids costs
 * one fetch a minute. Every fetch runs within the budget (JWKS_BUDGET_MS) and the last good set
 * is kept when one fails.
 */
import { createLocalJWKSet, errors, type JWK, type JWTVerifyGetKey } from "jose";
import { HeldValue } from "../held-value.ts";

const TTL_MS = 10 * 60 * 1000;
/** After a failed fetch, wait this long before trying again (no thundering herd on a dead JWKS). */
const RETRY_MS = 30 * 1000;
/** An unknown `kid` refetches the set only if no fetch started for this URL within this long. */
export const UNKNOWN_KID_REFETCH_MS = 60 * 1000;

interface Entry {
  held: HeldValue<JWTVerifyGetKey>;
  /** The budget of the latest caller: the next fetch runs within it. */
  budgetMs: number;
}

const entries = new Map<string, Entry>();

class JwksTimeout extends Error {
  override name = "JwksTimeout";
}

async function fetchSet(url: string, budgetMs: number): Promise<JWTVerifyGetKey> {
  const res = await fetch(url, { signal: AbortSignal.timeout(budgetMs), headers: { accept: "application/json" } });
  if (!res.ok) throw new Error(`JWKS answered ${res.status}`);
  return createLocalJWKSet((await res.json()) as { keys: JWK[] });
}

function entryFor(url: string, budgetMs: number): Entry {
  let entry = entries.get(url);
  if (!entry) {
    const e: Entry = { budgetMs, held: new HeldValue({ load: () => fetchSet(url, e.budgetMs), retryAfterMs: RETRY_MS }) };
    entries.set(url, e);
    entry = e;
  }
  entry.budgetMs = budgetMs;
  return entry;
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
    const { held } = entryFor(url, budgetMs);
    // The fetch carries its own timeout (the budget); a hung body is abandoned at the cap.
    const hardCapMs = Math.max(1_000, budgetMs * 20);
    const { value: set } = await held.read({ now, ttlMs: TTL_MS, hardCapMs });
    if (!set) throw new JwksTimeout("JWKS unavailable");
    try {
      return await set(header, token);
    } catch (err) {
      if (!isNoMatchingKey(err)) throw err;
      // A rotation: the issuer may have published this kid since our copy. One refetch per
      // minute at most, awaited by every request that needs it; otherwise refused as before.
      const renewing = held.renew({ now, minIntervalMs: UNKNOWN_KID_REFETCH_MS, hardCapMs });
      if (!renewing) throw err;
      await renewing;
      const renewed = held.value;
      if (!renewed) throw err;
      return renewed(header, token);
    }
  };
}
