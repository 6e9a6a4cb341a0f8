/**
 * What an uploaded image is, from its own bytes: the type by its magic bytes (never the
 * declared Content-Type or a file name alone), and its width and height from its header. No
 * pixel is decoded, so a hostile file costs the Worker a few header reads, whatever it claims.
 * SVG is not accepted: it is a document that can carry script.
 *
 * | type | signature | dimensions from |
 * |---|---|---|
 * | PNG | `89 50 4E 47 0D 0A 1A 0A` | the IHDR chunk (first) |
 * | JPEG | `FF D8 FF` | the first SOF0–SOF15 marker (not DHT, JPG, DAC) |
 * | GIF | `GIF87a` / `GIF89a` | the logical screen descriptor |
 * | WebP | `RIFF….WEBP` | the VP8 / VP8L / VP8X chunk |
 *
 * @example
 * checkImage(bytes, "image/png"); // { ok: true, type: "image/png", width: 1200, height: 600 }
 * checkImage(htmlBytes, "image/png"); // { ok: false, code: "IMAGE_INVALID", message: "not a PNG, JPEG, GIF or WebP image …" }
 */

export type ImageType = "image/png" | "image/jpeg" | "image/gif" | "image/webp";

/** The media types an upload may declare (and the only ones the guard lets through besides JSON). */
export const IMAGE_TYPES: ReadonlySet<string> = new Set<ImageType>(["image/png", "image/jpeg", "image/gif", "image/webp"]);

/** Limits an image must meet. */
export const MAX_IMAGE_BYTES = 5 * 1024 * 1024;
export const MAX_IMAGE_SIDE = 6000;
export const MAX_IMAGE_PIXELS = 25_000_000;

export type ImageCheck =
  | { ok: true; type: ImageType; width: number; height: number }
  | { ok: false; code: "IMAGE_INVALID" | "UNSUPPORTED_MEDIA_TYPE"; message: string };

const NAMES: Record<ImageType, string> = { "image/png": "PNG", "image/jpeg": "JPEG", "image/gif": "GIF", "image/webp": "WebP" };

const u16be = (b: Uint8Array, i: number) => (b[i]! << 8) | b[i + 1]!;
const u16le = (b: Uint8Array, i: number) => b[i]! | (b[i + 1]! << 8);
const u24le = (b: Uint8Array, i: number) => b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16);
const u32be = (b: Uint8Array, i: number) => ((b[i]! << 24) >>> 0) + (b[i + 1]! << 16) + (b[i + 2]! << 8) + b[i + 3]!;
const ascii = (b: Uint8Array, i: number, n: number) => String.fromCharCode(...b.subarray(i, i + n));

/** The type its first bytes say, or undefined. */
export function sniffImage(b: Uint8Array): ImageType | undefined {
  if (b.length >= 8 && b[0] === 0x89 && ascii(b, 1, 3) === "PNG" && b[4] === 0x0d && b[5] === 0x0a && b[6] === 0x1a && b[7] === 0x0a) return "image/png";
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return "image/jpeg";
  if (b.length >= 6 && (ascii(b, 0, 6) === "GIF87a" || ascii(b, 0, 6) === "GIF89a")) return "image/gif";
  if (b.length >= 12 && ascii(b, 0, 4) === "RIFF" && ascii(b, 8, 4) === "WEBP") return "image/webp";
  return undefined;
}

function pngSize(b: Uint8Array): [number, number] | undefined {
  // Signature (8), then the first chunk must be IHDR: length (4), "IHDR" (4), width (4), height (4).
  if (b.length < 24 || ascii(b, 12, 4) !== "IHDR") return undefined;
  return [u32be(b, 16), u32be(b, 20)];
}

function gifSize(b: Uint8Array): [number, number] | undefined {
  return b.length >= 10 ? [u16le(b, 6), u16le(b, 8)] : undefined;
}

function webpSize(b: Uint8Array): [number, number] | undefined {
  if (b.length < 30) return undefined;
  const chunk = ascii(b, 12, 4);
  if (chunk === "VP8 ") {
    // Key frame start code 9D 01 2A, then 14-bit width and height.
    if (b[23] !== 0x9d || b[24] !== 0x01 || b[25] !== 0x2a) return undefined;
    return [u16le(b, 26) & 0x3fff, u16le(b, 28) & 0x3fff];
  }
  if (chunk === "VP8L") {
    if (b[20] !== 0x2f) return undefined;
    const bits = b[21]! | (b[22]! << 8) | (b[23]! << 16) | (b[24]! << 24);
    return [(bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1];
  }
  if (chunk === "VP8X") return [u24le(b, 24) + 1, u24le(b, 27) + 1];
  return undefined;
}

function jpegSize(b: Uint8Array): [number, number] | undefined {
  let i = 2;
  // Walk the marker segments: each is FF xx and a 2-byte length, until a start-of-frame.
  while (i + 9 < b.length) {
    if (b[i] !== 0xff) return undefined;
    const marker = b[i + 1]!;
    if (marker === 0xff) {
      i++; // fill byte
      continue;
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      i += 2; // no length
      continue;
    }
    const length = u16be(b, i + 2);
    if (length < 2) return undefined;
    const sof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (sof) return [u16be(b, i + 7), u16be(b, i + 5)];
    i += 2 + length;
  }
  return undefined;
}

const SIZE: Record<ImageType, (b: Uint8Array) => [number, number] | undefined> = {
  "image/png": pngSize,
  "image/jpeg": jpegSize,
  "image/gif": gifSize,
  "image/webp": webpSize,
};

/**
 * Checks an upload: its bytes must be one of the accepted types, the one it declares, with a
 * readable size within the limits.
 */
export function checkImage(bytes: Uint8Array, declared: string): ImageCheck {
  if (!IMAGE_TYPES.has(declared)) return { ok: false, code: "UNSUPPORTED_MEDIA_TYPE", message: "upload a PNG, JPEG, GIF or WebP image (Content-Type image/png, image/jpeg, image/gif or image/webp)" };
  const type = sniffImage(bytes);
  if (!type) return { ok: false, code: "IMAGE_INVALID", message: "not a PNG, JPEG, GIF or WebP image: its first bytes are no image signature (SVG is not accepted: it can carry script)" };
  if (type !== declared) return { ok: false, code: "IMAGE_INVALID", message: `the file is a ${NAMES[type]} image but was sent as ${declared}` };
  const size = SIZE[type](bytes);
  if (!size || size[0] < 1 || size[1] < 1) return { ok: false, code: "IMAGE_INVALID", message: `the ${NAMES[type]} image's header gives no width and height: the file is damaged or cut short` };
  const [width, height] = size;
  if (width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE || width * height > MAX_IMAGE_PIXELS) {
    return { ok: false, code: "IMAGE_INVALID", message: `${width}×${height} pixels is too large: at most ${MAX_IMAGE_SIDE} on a side and ${MAX_IMAGE_PIXELS / 1_000_000} million pixels (resize it first)` };
  }
  return { ok: true, type, width, height };
}
