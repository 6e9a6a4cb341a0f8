/**
 * GET|HEAD /__p13n/assets/<hash>: an editor's image, to anyone (variants show it to visitors).
 * Content-addressed (src/assets/asset-store.ts), so the answer never changes: `public,
 * max-age=31536000, immutable` and the hash as its ETag (304 for a match). Stored only after
 * its bytes were checked to be the image type it is served as; `nosniff` and a sandboxing CSP
 * keep a browser from reading it as anything else, even opened on its own.
 *
 * @example
 * own.get("/assets/:hash", assetRoute);
 */
import type { Context } from "hono";
import type { AppEnv } from "../app-env.ts";
import { ASSET_HASH, ASSET_PREFIX } from "../assets/asset-store.ts";
import { IMAGE_TYPES } from "../assets/image-check.ts";
import { editorFiles, r2 } from "../editors/files.ts";
import { refuse } from "../errors.ts";

const IMMUTABLE = "public, max-age=31536000, immutable";

export async function assetRoute(c: Context<AppEnv>): Promise<Response> {
  const hash = c.req.param("hash") ?? "";
  if (!ASSET_HASH.test(hash)) return refuse("ASSET_NOT_FOUND", "no such image", { "cache-control": "no-store" });
  try {
    const etag = `"${hash}"`;
    const bucket = editorFiles(c.env);
    const head = c.req.method === "HEAD" || c.req.header("if-none-match") === etag;
    const obj = head ? await r2(bucket.head(`${ASSET_PREFIX}${hash}`), "read the image") : await r2(bucket.get(`${ASSET_PREFIX}${hash}`), "read the image");
    const type = obj?.httpMetadata?.contentType ?? "";
    // Only what the upload check let in is served, and only as that type.
    if (!obj || !IMAGE_TYPES.has(type)) return refuse("ASSET_NOT_FOUND", "no such image", { "cache-control": "no-store" });
    const headers = new Headers({
      "content-type": type,
      "cache-control": IMMUTABLE,
      etag,
      "x-content-type-options": "nosniff",
      "content-security-policy": "default-src 'none'; sandbox",
    });
    if (c.req.header("if-none-match") === etag) return new Response(null, { status: 304, headers });
    headers.set("content-length", String(obj.size));
    if (c.req.method === "HEAD" || !("body" in obj)) return new Response(null, { status: 200, headers });
    return new Response((obj as R2ObjectBody).body, { status: 200, headers });
  } catch {
    // The bucket's trouble is for editors to read about (the admin API says it); a visitor gets the code.
    return refuse("EDITOR_FILES_UNAVAILABLE", "the image could not be read just now", { "cache-control": "no-store", "retry-after": "5" });
  }
}
