/**
 * A Standard Webhooks key as written in a secret: `whsec_` + base64 of its bytes, at least
 * MIN_KEY_BYTES of them. Parsing only, no WebCrypto: the config (src/config/integrations.ts)
 * reads keys with it, and the config's types reach code checked against the DOM's lib (the
 * console's), where the Worker's WebCrypto extensions do not exist. Signing and verifying are
 * src/webhook-signature.ts.
 *
 * @example
 * parseWebhookSecret("whsec_" + btoa("x".repeat(32)))?.byteLength; // 32
 * parseWebhookSecret("hunter2"); // null
 */

export const WEBHOOK_SECRET_PREFIX = "whsec_";
/** 192 bits: a key shorter than this is refused in the config (32 bytes are what `p13n` generates). */
export const MIN_KEY_BYTES = 24;

/** A `whsec_…` key's bytes, or null when it is not one (no prefix, not base64, too short). */
export function parseWebhookSecret(secret: string): Uint8Array | null {
  if (!secret.startsWith(WEBHOOK_SECRET_PREFIX)) return null;
  const bytes = fromBase64(secret.slice(WEBHOOK_SECRET_PREFIX.length));
  return bytes && bytes.byteLength >= MIN_KEY_BYTES ? bytes : null;
}

/** Standard base64 (with padding), or null when `text` is not that. */
export function fromBase64(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return null;
  try {
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}
