/**
 * Editors' images:
 *
 * | method | path | does |
 * |---|---|---|
 * | POST | /assets | the image's bytes as the body, `Content-Type: image/png` (jpeg, gif, webp) → 201 `{ hash, url, type, width, height, bytes }` (200 when it was there already); recorded |
 * | GET | /assets | the newest 100: `{ images: [...] }` |
 *
 * Read through the one body reader (at most MAX_IMAGE_BYTES held), under the one cross-site
 * policy (the admin guard), checked by its own bytes (src/assets/image-check.ts): type by magic
 * bytes, matching the declared type, size and dimensions. Served to everyone under
 * `/__p13n/assets/<hash>` (src/routes/assets.ts).
 *
 * @example
 * // curl -X POST --data-binary @hero.png -H "Content-Type: image/png" -H "Authorization: Bearer …" …/__p13n/admin/assets
 */
import type { Context } from "hono";
import type { AppEnv } from "../../app-env.ts";
import { listImages, sha256Bytes, storeImage } from "../../assets/asset-store.ts";
import { checkImage, MAX_IMAGE_BYTES } from "../../assets/image-check.ts";
import { actor, audited } from "../../editors/audit.ts";
import { editorFiles } from "../../editors/files.ts";
import { P13nError } from "../../errors.ts";
import { byteSize, readBody } from "../read-body.ts";
import { mediaType } from "../cross-site.ts";
import { editorOf } from "./guard.ts";
import { ADMIN_HEADERS, adminError } from "./respond.ts";

/** POST /assets */
export async function uploadAssetRoute(c: Context<AppEnv>): Promise<Response> {
  try {
    const editor = editorOf(c);
    const bucket = editorFiles(c.env);
    const read = await readBody(c.req.raw, MAX_IMAGE_BYTES);
    if (!read.ok) throw new P13nError("TOO_LARGE", `the image ${read.declared !== undefined ? `is ${byteSize(read.declared)}` : `is over ${byteSize(MAX_IMAGE_BYTES)}`}; at most ${byteSize(MAX_IMAGE_BYTES)} is accepted`);
    if (read.bytes.byteLength === 0) throw new P13nError("IMAGE_INVALID", "the upload is empty");
    const checked = checkImage(read.bytes, mediaType(c.req.raw));
    if (!checked.ok) throw new P13nError(checked.code, checked.message);
    const at = new Date().toISOString();
    const detail = `${checked.type} ${checked.width}×${checked.height}, ${byteSize(read.bytes.byteLength)}`;
    // The hash names the entry; the store computes it again (and R2 checks it).
    const hash = await sha256Bytes(read.bytes);
    const stored = await audited(bucket, { at, ...actor(editor), action: "upload", target: hash, detail }, () => storeImage(bucket, read.bytes, checked, { who: editor.who, at }));
    return c.json(stored, stored.created ? 201 : 200, ADMIN_HEADERS);
  } catch (err) {
    return adminError(c, err);
  }
}

/** GET /assets */
export async function listAssetsRoute(c: Context<AppEnv>): Promise<Response> {
  try {
    return c.json({ images: await listImages(editorFiles(c.env), 100) }, 200, ADMIN_HEADERS);
  } catch (err) {
    return adminError(c, err);
  }
}
