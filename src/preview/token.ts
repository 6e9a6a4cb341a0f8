/**
 * Preview links: what an editor wants to see (a profile, a context, forced
 * variants, an unpublished version), signed and expiring, so a link can be
 * shared with a colleague but not forged or kept forever.
 *
 * The token is a compact JWS (HS256, audience `p13n-preview`) under a key derived
 * from PREVIEW_SECRET, or from ADMIN_TOKEN when that is not set: HMAC-SHA256(secret,
 * "p13n-preview-v1"). Deriving keeps the admin token itself out of any MAC an
 * outsider sees; rotating ADMIN_TOKEN (or PREVIEW_SECRET) revokes every link.
 * Node (the CLI, signing from .dev.vars) and workerd run the same code.
 *
 * @example
 * const token = await signPreview({ profile: { tier: "gold" } }, secret, { ttlS: 3600 });
 * const spec = await verifyPreview(token, secret); // { profile: { tier: "gold" }, exp: … } or null
 */
import { jwtVerify, SignJWT } from "jose";
import * as v from "valibot";
import { IdSchema } from "../engine/schema.ts";

export const PREVIEW_AUDIENCE = "p13n-preview";
/** Longest a link may live. */
export const MAX_PREVIEW_TTL_S = 7 * 24 * 3600;
/** The token travels in a cookie: keep it well under the browser's 4096 bytes. */
export const MAX_PREVIEW_TOKEN = 3000;

const Short = v.pipe(v.string(), v.maxLength(64));
const Scalar = v.union([Short, v.number(), v.boolean()]);

/** What a preview shows: validated on signing and again on every request. */
export const PreviewSpecSchema = v.strictObject({
  profile: v.optional(
    v.strictObject({
      sub: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(128))),
      tier: v.optional(Short),
      stage: v.optional(v.picklist(["new", "developing", "established"])),
      topics: v.optional(v.pipe(v.array(Short), v.maxLength(20))),
      channels: v.optional(v.pipe(v.array(Short), v.maxLength(10))),
      frequency: v.optional(v.picklist(["fewer", "normal", "more"])),
      attrs: v.optional(v.pipe(v.record(v.pipe(v.string(), v.regex(/^[A-Za-z0-9_.-]{1,64}$/)), Scalar), v.check((r) => Object.keys(r).length <= 20, "at most 20 attrs"))),
    }),
  ),
  context: v.optional(
    v.strictObject({
      device: v.optional(v.picklist(["mobile", "tablet", "desktop", "bot"])),
      country: v.optional(v.pipe(v.string(), v.regex(/^[A-Z]{2}$/, "a two-letter country code such as DE"))),
      timezone: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z_]+(?:\/[A-Za-z0-9_+-]+){0,2}$/, "an IANA time zone such as Europe/Berlin"))),
      at: v.optional(v.pipe(v.string(), v.isoTimestamp("an ISO 8601 time such as 2026-11-23T20:00:00Z"))),
    }),
  ),
  /** slot id → variant id shown whatever the rules say. */
  variants: v.optional(v.pipe(v.record(IdSchema, IdSchema), v.check((r) => Object.keys(r).length <= 50, "at most 50 forced variants"))),
  /** A version to render instead of the live one (e.g. staged with `activate: false`). */
  version: v.optional(IdSchema),
});
export type PreviewSpec = v.InferOutput<typeof PreviewSpecSchema>;

export interface VerifiedPreview {
  spec: PreviewSpec;
  /** Epoch seconds. */
  exp: number;
}

async function keyOf(secret: string): Promise<Uint8Array> {
  const k = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", k, new TextEncoder().encode("p13n-preview-v1")));
}

/**
 * Signs a preview spec. Throws a TypeError naming the problem when the spec is
 * invalid or the token would not fit a cookie (callers turn it into their own error).
 */
export async function signPreview(spec: unknown, secret: string, opts: { ttlS: number; now?: number }): Promise<{ token: string; spec: PreviewSpec; exp: number }> {
  const parsed = v.safeParse(PreviewSpecSchema, spec);
  if (!parsed.success) {
    const i = parsed.issues[0];
    throw new TypeError(`${i?.path?.map((p) => String(p.key)).join(".") ?? "preview"}: ${i?.message ?? "invalid"}`);
  }
  if (!Number.isInteger(opts.ttlS) || opts.ttlS < 60 || opts.ttlS > MAX_PREVIEW_TTL_S) {
    throw new TypeError(`ttl must be between 60 and ${MAX_PREVIEW_TTL_S} seconds`);
  }
  const now = Math.floor((opts.now ?? Date.now()) / 1000);
  const exp = now + opts.ttlS;
  const token = await new SignJWT({ prv: parsed.output })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setAudience(PREVIEW_AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(exp)
    .sign(await keyOf(secret));
  if (token.length > MAX_PREVIEW_TOKEN) throw new TypeError(`the preview is too large for a link (${token.length} characters); force fewer variants or attrs`);
  return { token, spec: parsed.output, exp };
}

/** The spec of a valid, unexpired link, or null (any failure: the page is then served normally). */
export async function verifyPreview(token: string, secret: string | undefined, now = Date.now()): Promise<VerifiedPreview | null> {
  if (!secret || token.length > MAX_PREVIEW_TOKEN) return null;
  try {
    const { payload } = await jwtVerify(token, await keyOf(secret), {
      algorithms: ["HS256"],
      audience: PREVIEW_AUDIENCE,
      requiredClaims: ["exp", "iat"],
      currentDate: new Date(now),
      maxTokenAge: MAX_PREVIEW_TTL_S + 60,
    });
    const spec = v.safeParse(PreviewSpecSchema, payload.prv);
    return spec.success && typeof payload.exp === "number" ? { spec: spec.output, exp: payload.exp } : null;
  } catch {
    return null;
  }
}
