/**
 * POST /preview-link {profile?, context?, variants?, version?, draft?, path?, ttl?}: a signed,
 * expiring link that opens the site as that profile (src/preview/). The worker
 * signs, so the console and a remote CLI never hold the preview key.
 *
 * `draft: true` previews the shared draft: it is staged as an immutable version (never live,
 * left out of the history: `draftPreview`) and the link names that version, so the link shows
 * the draft as it was when the link was made, whatever happens to the draft after.
 *
 * The link points at the site (SITE_URL when the console has its own host, ADMIN_HOST; else
 * the host the request came to).
 *
 * @example
 * // → { "url": "https://shop.example/?__p13n_preview=eyJ…", "expiresAt": "2026-11-23T21:00:00.000Z" }
 */
import type { Context } from "hono";
import * as v from "valibot";
import type { AppEnv } from "../../app-env.ts";
import { kvVersionStore } from "../../content/kv-version-store.ts";
import { writeVersion } from "../../content/versions.ts";
import { readDraft } from "../../editors/drafts.ts";
import { editorFiles } from "../../editors/files.ts";
import { asVersion } from "../../editors/versioning.ts";
import { P13nError } from "../../errors.ts";
import { previewUrl } from "../../preview/link.ts";
import { signPreview } from "../../preview/token.ts";
import { MAX_SMALL_BYTES, readJson } from "./body.ts";
import { checkManifest } from "./manifest-check.ts";
import { ADMIN_HEADERS, adminError } from "./respond.ts";

const Extra = v.object({
  path: v.optional(v.pipe(v.string(), v.startsWith("/", "path must start with /"), v.maxLength(1024)), "/"),
  ttl: v.optional(v.pipe(v.number(), v.integer()), 3600),
  draft: v.optional(v.boolean(), false),
});

/** The draft, staged as a version for previews; its id. */
async function stageDraft(c: Context<AppEnv>): Promise<string> {
  const draft = await readDraft(editorFiles(c.env));
  if (!draft?.manifest) throw new P13nError("NO_DRAFT", "there is no draft to preview");
  const doc = await asVersion(draft.manifest, new Date(draft.updatedAt));
  // The same checks as publishing (fragments sanitized), so the preview shows what would go live.
  const checked = checkManifest(doc);
  await writeVersion(kvVersionStore(c.env.CONTENT), checked.document, JSON.stringify(checked.document), { draftPreview: true });
  return checked.document.version;
}

export async function previewLinkRoute(c: Context<AppEnv>): Promise<Response> {
  try {
    const input = await readJson(c.req.raw, MAX_SMALL_BYTES, "request");
    if (typeof input !== "object" || input === null || Array.isArray(input)) throw new P13nError("BAD_REQUEST", "send a JSON object");
    const { path, ttl, draft, ...spec } = input as Record<string, unknown>;
    const extra = v.safeParse(Extra, { path, ttl, draft });
    if (!extra.success) throw new P13nError("BAD_REQUEST", extra.issues[0].message, { path: [String(extra.issues[0].path?.[0]?.key ?? "")] });
    const admin = c.get("config").admin;
    const secret = admin.previewSecret;
    if (!secret) throw new P13nError("PREVIEW_UNAVAILABLE", "set PREVIEW_SECRET or ADMIN_TOKEN to sign preview links");
    if (extra.output.draft) {
      if (spec.version !== undefined) throw new P13nError("BAD_REQUEST", "preview the draft or a version, not both", { path: ["version"] });
      spec.version = await stageDraft(c);
    }
    let signed;
    try {
      signed = await signPreview(spec, secret, { ttlS: extra.output.ttl });
    } catch (err) {
      if (err instanceof TypeError) throw new P13nError("BAD_REQUEST", err.message);
      throw err;
    }
    const url = previewUrl(admin.siteOrigin ?? new URL(c.req.url).origin, extra.output.path, signed.token);
    return c.json({ url, expiresAt: new Date(signed.exp * 1000).toISOString(), spec: signed.spec }, 200, ADMIN_HEADERS);
  } catch (err) {
    return adminError(c, err);
  }
}
