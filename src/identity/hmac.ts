/**
 * HMAC-SHA256 with the Worker's own secrets (VISITOR_SECRET), for the values it signs itself:
 * the visitor-id cookie and the first page's exposure token. Keys are imported once per
 * isolate and secret (configuration, not per-request state); every signed text starts with
 * its own label (`p13n-vid:`, `p13n-exposure:`), so one kind can never pass for another.
 *
 * @example
 * const mac = await hmac(env.VISITOR_SECRET, "p13n-vid:0f3a…");
 * await hmacVerify(env.VISITOR_SECRET, "p13n-vid:0f3a…", mac); // true
 */
const keys = new Map<string, Promise<CryptoKey>>();

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
    keys.set(secret, key);
  }
  return key;
}

export async function hmac(secret: string, text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign("HMAC", await hmacKey(secret), new TextEncoder().encode(text)));
}

/** Constant-time check of a full-length MAC (subtle.verify compares in constant time). */
export async function hmacVerify(secret: string, text: string, mac: Uint8Array<ArrayBuffer>): Promise<boolean> {
  return crypto.subtle.verify("HMAC", await hmacKey(secret), mac, new TextEncoder().encode(text));
}

export function toBase64Url(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function fromBase64Url(s: string): Uint8Array<ArrayBuffer> | null {
  try {
    const bin = atob(s.replace(/-/g, "+").replace(/_/g, "/"));
    return Uint8Array.from(bin, (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}
