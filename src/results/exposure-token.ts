/**
 * The first page's exposures, signed for its beacon. A new visitor's first page is not
 * remembered (no object until the signed visitor-id cookie comes back: README "What a new
 * visitor costs"), so without this a visitor who sees one page and leaves is never a unit, and
 * an arm that makes people leave would lose them from its denominator (survivorship bias).
 *
 * So the page carries its exposures — which experiment, which arm, for this visitor id, at this
 * time — each with an HMAC (VISITOR_SECRET, label `p13n-exposure:`), in the client script's tag.
 * The script's first beacon brings the token back with the cookie the page set: proof of a
 * browser that kept our cookie and ran our script. What a client can do with a token, and no more:
 * - claim only what the Worker signed for this visitor id: another arm, another experiment, or
 *   another visitor's token fails the MAC;
 * - claim only experiments whose slots were on the page (the token is assembled when the page
 *   ends, from the slots it carried; each piece is signed alone so that is free);
 * - count once: the object records a token's exposures once (its key in the dedup table), and
 *   first exposure once per experiment whatever carries it (this token, or a page view);
 * - within EXPOSURE_TOKEN_TTL_MS of the page, and with one beacon's rate cost.
 * A client that drops cookies gets a new id (and a new token) only within NEW_VISITORS' limit,
 * each a real unit in its honestly assigned arm, as any visitor who loads two pages would be.
 *
 * Format (attribute-safe, no escaping needed): `<issued, base 36 seconds>!<experiment>~<arm>~<mac>!…`,
 * the MAC the first 16 bytes of HMAC-SHA256 over `p13n-exposure:<vid>:<issued>:<experiment>:<arm>`.
 *
 * @example
 * const pieces = await signExposures(secret, vid, issuedS, [{ experiment: "hero-test", arm: "bold" }]);
 * const token = exposureToken(issuedS, [pieces.get(claimKey({ experiment: "hero-test", arm: "bold" }))!]);
 * await verifyExposureToken(token, secret, vid, Date.now()); // { ok: true, claims: [...], issuedAt, key }
 */
import { fromBase64Url, hmac, toBase64Url } from "../identity/hmac.ts";

/** A first page's beacon comes within seconds; a day covers a tab left open overnight. */
export const EXPOSURE_TOKEN_TTL_MS = 24 * 3_600_000;
/** Experiments one token may name (and the global holdout): more is not a page we made. */
export const MAX_EXPOSURE_CLAIMS = 21;
export const MAX_EXPOSURE_TOKEN_CHARS = 2048;
/** A token from a clock slightly ahead of ours is fine; from further ahead it is not ours. */
const CLOCK_SKEW_MS = 60_000;
const MAC_BYTES = 16;

const NAME = "[A-Za-z0-9_.()-]{1,64}";
const TOKEN = new RegExp(`^[0-9a-z]{1,10}(?:!${NAME}~${NAME}~[A-Za-z0-9_-]{22}){1,${MAX_EXPOSURE_CLAIMS}}$`);

export interface ExposureClaim {
  experiment: string;
  arm: string;
}

export const claimKey = (c: ExposureClaim): string => `${c.experiment}~${c.arm}`;

const label = (vid: string, issuedS: number, c: ExposureClaim) => `p13n-exposure:${vid}:${issuedS}:${c.experiment}:${c.arm}`;

async function mac(secret: string, vid: string, issuedS: number, c: ExposureClaim): Promise<string> {
  return toBase64Url((await hmac(secret, label(vid, issuedS, c))).subarray(0, MAC_BYTES));
}

/** Each claim signed on its own (`experiment~arm~mac`), keyed by claimKey: the page picks those its slots carried. */
export async function signExposures(secret: string, vid: string, issuedS: number, claims: readonly ExposureClaim[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const c of claims.slice(0, MAX_EXPOSURE_CLAIMS)) out.set(claimKey(c), `${claimKey(c)}~${await mac(secret, vid, issuedS, c)}`);
  return out;
}

/** The token of the signed pieces the page carried; null when it carried none. */
export function exposureToken(issuedS: number, pieces: readonly string[]): string | null {
  return pieces.length === 0 ? null : `${issuedS.toString(36)}!${pieces.slice(0, MAX_EXPOSURE_CLAIMS).join("!")}`;
}

export type ExposureCheck =
  | { ok: true; claims: ExposureClaim[]; issuedAt: number; key: string }
  | { ok: false; code: "EXPOSURE_INVALID" | "EXPOSURE_EXPIRED"; message: string };

function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/**
 * Checks a token against the visitor id of the beacon's own cookie. Every piece must verify:
 * one forged piece refuses the whole token (a page's token is all the Worker's or none of it).
 */
export async function verifyExposureToken(token: string, secret: string | undefined, vid: string | null, now: number): Promise<ExposureCheck> {
  if (!secret || !vid) return { ok: false, code: "EXPOSURE_INVALID", message: "an exposure token needs the visitor-id cookie of the page that carried it" };
  if (token.length > MAX_EXPOSURE_TOKEN_CHARS || !TOKEN.test(token)) return { ok: false, code: "EXPOSURE_INVALID", message: "not an exposure token" };
  const [issued, ...pieces] = token.split("!");
  const issuedS = parseInt(issued!, 36);
  const issuedAt = issuedS * 1000;
  if (issuedAt > now + CLOCK_SKEW_MS || now - issuedAt > EXPOSURE_TOKEN_TTL_MS) {
    return { ok: false, code: "EXPOSURE_EXPIRED", message: "the page's exposure token is too old (or from the future)" };
  }
  const claims: ExposureClaim[] = [];
  const seen = new Set<string>();
  for (const piece of pieces) {
    const [experiment, arm, sent] = piece.split("~") as [string, string, string];
    const claim = { experiment, arm };
    const expected = fromBase64Url(await mac(secret, vid, issuedS, claim));
    const given = fromBase64Url(sent);
    if (!expected || !given || !constantTimeEqual(expected, given) || seen.has(experiment)) {
      return { ok: false, code: "EXPOSURE_INVALID", message: "the exposure token was not issued for this visitor (or was changed)" };
    }
    seen.add(experiment);
    claims.push(claim);
  }
  return { ok: true, claims, issuedAt, key: `exposure:${issued}:${pieces[0]!.slice(-MAC_BYTES)}` };
}
