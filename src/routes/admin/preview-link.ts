/**
 * POST /preview-link {profile?, context?, variants?, version?, path?, ttl?}: a signed,
 * expiring link that opens the site as that profile (src/preview/). The worker
 * signs, so the console and a remote CLI never hold the preview key.
 *
 * @example
 * // → { "url": "https://shop.example/?__p13n_preview=eyJ…", "expiresAt": "2026-11-23T21:00:00.000Z" }
 */
import type { Context } from "hono";
import * as v from "valibot";
import type { AppEnv } from "../../app-env.ts";
import { P13nError } from "../../errors.ts";
import { previewUrl } from "../../preview/link.ts";
import { signPreview } from "../../preview/token.ts";
import { MAX_SMALL_BYTES, readJson } from "./body.ts";
import { ADMIN_HEADERS, adminError } from "./respond.ts";

const Extra = v.object({
  path: v.optional(v.pipe(v.string(), v.startsWith("/", "path must start with /"), v.maxLength(1024)), "/"),
  ttl: v.optional(v.pipe(v.number(), v.integer()), 3600),
});

export async function previewLinkRoute(c: Context<AppEnv>): Promise<Response> {
  try {
    const input = await readJson(c.req.raw, MAX_SMALL_BYTES, "request");
    if (typeof input !== "object" || input === null || Array.isArray(input)) throw new P13nError("BAD_REQUEST", "send a JSON object");
    const { path, ttl, ...spec } = input as Record<string, unknown>;
    const extra = v.safeParse(Extra, { path, ttl });
    if (!extra.success) throw new P13nError("BAD_REQUEST", extra.issues[0].message, { path: [String(extra.issues[0].path?.[0]?.key ?? "")] });
    const secret = c.get("config").admin.previewSecret;
    if (!secret) throw new P13nError("PREVIEW_UNAVAILABLE", "set PREVIEW_SECRET or ADMIN_TOKEN to sign preview links");
    let signed;
    try {
      signed = await signPreview(spec, secret, { ttlS: extra.output.ttl });
    } catch (err) {
      if (err instanceof TypeError) throw new P13nError("BAD_REQUEST", err.message);
      throw err;
    }
    const url = previewUrl(new URL(c.req.url).origin, extra.output.path, signed.token);
    return c.json({ url, expiresAt: new Date(signed.exp * 1000).toISOString(), spec: signed.spec }, 200, ADMIN_HEADERS);
  } catch (err) {
    return adminError(c, err);
  }
}
