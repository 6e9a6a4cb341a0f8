/**
 * Standard Webhooks signatures (standardwebhooks.com, version 1), the one scheme for both
 * directions: a backend signs the server events it sends (src/routes/server-events.ts), and the
 * Worker signs the hooks it sends out (src/event-hooks/send.ts). So any Standard Webhooks library
 * (npm `standardwebhooks`, Python, Go, Ruby, PHP…) signs or verifies them, and so do the dozen
 * lines of plain crypto in examples/server-events/.
 *
 * - Headers: `webhook-id` (the message id: the nonce, and the receiver's idempotency key),
 *   `webhook-timestamp` (unix seconds), `webhook-signature` (`v1,<base64>`, several separated by
 *   spaces while a key is rotated).
 * - Signed content: `${id}.${timestamp}.${body}`, HMAC-SHA256, the body exactly as sent.
 * - A key is written `whsec_` + base64 of its bytes; at least MIN_KEY_BYTES of them.
 *
 * Verification computes the HMAC once per key and compares it with each offered signature by
 * `crypto.subtle.timingSafeEqual` (constant time); nothing here compares a signature with `===`.
 *
 * @example
 * const key = await importWebhookKey(parseWebhookSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")!);
 * const signature = await signWebhook(key, "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", 1732363200, body);
 * await verifyWebhook([key], { id: "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", timestamp: 1732363200, signature }, body); // true
 */

import { fromBase64, parseWebhookSecret } from "./webhook-secret.ts";

export { MIN_KEY_BYTES, parseWebhookSecret, WEBHOOK_SECRET_PREFIX } from "./webhook-secret.ts";

/** How far a message's timestamp may be from the receiver's clock, either way (the standard's five minutes). */
export const TIMESTAMP_TOLERANCE_S = 300;
/** A `webhook-signature` header carries at most this many signatures, each at most this long (a header is not a work queue). */
const MAX_SIGNATURES = 8;
const MAX_SIGNATURE_CHARS = 128;

/** An HMAC-SHA256 key for signing and verifying. */
export function importWebhookKey(bytes: Uint8Array): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", bytes, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
}

/** Imported keys per key bytes: the config's bytes live as long as the env (the isolate), so each key is imported once. */
const imported = new WeakMap<Uint8Array, Promise<CryptoKey>>();

/**
 * The key for these bytes, imported once per isolate.
 *
 * @example
 * const key = await webhookKey(config.eventHook.secret);
 */
export function webhookKey(bytes: Uint8Array): Promise<CryptoKey> {
  let key = imported.get(bytes);
  if (!key) {
    key = importWebhookKey(bytes);
    imported.set(bytes, key);
  }
  return key;
}

function signedContent(id: string, timestampS: number, body: Uint8Array): Uint8Array {
  const head = new TextEncoder().encode(`${id}.${timestampS}.`);
  const content = new Uint8Array(head.byteLength + body.byteLength);
  content.set(head);
  content.set(body, head.byteLength);
  return content;
}

/**
 * The `webhook-signature` value for a message: `v1,<base64>`.
 *
 * @example
 * const headers = { "webhook-id": id, "webhook-timestamp": String(ts), "webhook-signature": await signWebhook(key, id, ts, body) };
 */
export async function signWebhook(key: CryptoKey, id: string, timestampS: number, body: Uint8Array | string): Promise<string> {
  const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
  const mac = await crypto.subtle.sign("HMAC", key, signedContent(id, timestampS, bytes));
  return `v1,${toBase64(new Uint8Array(mac))}`;
}

/**
 * True when one of the header's `v1` signatures is the HMAC of the message under one of `keys`
 * (a source may hold two keys while it rotates). The timestamp's window is the caller's check.
 *
 * @example
 * await verifyWebhook(source.keys, { id, timestamp, signature: request.headers.get("webhook-signature")! }, body);
 */
export async function verifyWebhook(keys: readonly CryptoKey[], message: { id: string; timestamp: number; signature: string }, body: Uint8Array): Promise<boolean> {
  const candidates: Uint8Array[] = [];
  for (const candidate of message.signature.split(" ").filter((s) => s.length > 0 && s.length <= MAX_SIGNATURE_CHARS).slice(0, MAX_SIGNATURES)) {
    const comma = candidate.indexOf(",");
    if (comma < 0 || candidate.slice(0, comma) !== "v1") continue;
    const mac = fromBase64(candidate.slice(comma + 1));
    if (mac && mac.byteLength === 32) candidates.push(mac);
  }
  if (candidates.length === 0) return false;
  // The body is hashed once per key, never once per (key, signature) pair: an unauthenticated
  // sender's eight signatures cost no more than one (the work before authentication is bounded
  // by the keys held, not by the header). Compared in constant time.
  const content = signedContent(message.id, message.timestamp, body);
  const expected = await Promise.all(keys.map(async (key) => new Uint8Array(await crypto.subtle.sign("HMAC", key, content))));
  let match = false;
  for (const mac of expected) for (const candidate of candidates) match = crypto.subtle.timingSafeEqual(mac, candidate) || match;
  return match;
}

function toBase64(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}
