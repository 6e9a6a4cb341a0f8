/**
 * Editors' images in the editors' bucket, content-addressed: the key is the SHA-256 of the
 * bytes, so an image's URL (`/__p13n/assets/<hash>`) names exactly one content forever and may
 * be cached as immutable anywhere; uploading the same file twice stores it once.
 *
 * @example
 * const stored = await storeImage(bucket, bytes, checked, { by: "alice@example.com", at });
 * stored.url; // "/__p13n/assets/9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
 */
import { r2 } from "../editors/files.ts";
import type { ImageType } from "./image-check.ts";
import type { StoredImage } from "./stored-image.ts";

export type { StoredImage } from "./stored-image.ts";

export const ASSET_PREFIX = "assets/";
export const ASSET_PATH = "/__p13n/assets/";
/** A hash as it appears in a URL: 64 lower-case hex digits, nothing else. */
export const ASSET_HASH = /^[0-9a-f]{64}$/;


export async function sha256Bytes(bytes: Uint8Array): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return [...d].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function described(hash: string, obj: { size: number; httpMetadata?: R2HTTPMetadata; customMetadata?: Record<string, string> }, created: boolean): StoredImage {
  const m = obj.customMetadata ?? {};
  return {
    hash,
    url: `${ASSET_PATH}${hash}`,
    type: (obj.httpMetadata?.contentType ?? "application/octet-stream") as ImageType,
    width: Number(m.width ?? 0),
    height: Number(m.height ?? 0),
    bytes: obj.size,
    uploadedBy: m.uploadedBy ?? "",
    uploadedAt: m.uploadedAt ?? "",
    created,
  };
}

/** Stores a checked image under its hash (once). */
export async function storeImage(
  bucket: R2Bucket,
  bytes: Uint8Array,
  image: { type: ImageType; width: number; height: number },
  by: { who: string; at: string },
): Promise<StoredImage> {
  const hash = await sha256Bytes(bytes);
  const key = `${ASSET_PREFIX}${hash}`;
  const existing = await r2(bucket.head(key), "look the image up");
  if (existing) return described(hash, existing, false);
  const customMetadata = { width: String(image.width), height: String(image.height), uploadedBy: by.who, uploadedAt: by.at };
  // sha256 makes R2 check the bytes it received against the name they are stored under.
  const put = await r2(bucket.put(key, bytes, { httpMetadata: { contentType: image.type }, customMetadata, sha256: hash }), "store the image");
  return described(hash, put, true);
}

/** The newest images first (at most `limit`), for the console's picker. */
export async function listImages(bucket: R2Bucket, limit: number): Promise<StoredImage[]> {
  const listed = await r2(bucket.list({ prefix: ASSET_PREFIX, limit: 1000, include: ["httpMetadata", "customMetadata"] }), "list the images");
  return listed.objects
    .map((o) => described(o.key.slice(ASSET_PREFIX.length), o, false))
    .sort((a, b) => b.uploadedAt.localeCompare(a.uploadedAt))
    .slice(0, limit);
}
