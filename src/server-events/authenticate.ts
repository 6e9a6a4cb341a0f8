/**
 * Who sent a server event, proven: the source's name (`p13n-source`), its message signed with
 * that source's key (Standard Webhooks: `webhook-id`, `webhook-timestamp`, `webhook-signature`,
 * src/webhook-signature.ts), and a timestamp within TIMESTAMP_TOLERANCE_S of the Worker's clock.
 * A replay inside that window is caught by the visitor's object, where the message id is kept
 * with the write it made (src/visitor/store/server-memory.ts).
 *
 * Checked in this order, each failure a code the sender can act on: the source is known
 * (UNKNOWN_SOURCE), the headers are there and well formed, the signature verifies under one of
 * the source's keys (BAD_SIGNATURE; compared in constant time by WebCrypto), the timestamp is
 * recent (STALE_TIMESTAMP: a correctly signed old message, so a clock or a replay).
 *
 * @example
 * const who = await authenticate(request, body, config.serverSources, Date.now());
 * if (!who.ok) return refuse(who.code, who.message);
 */
import type { ServerSource, ServerSources } from "../config/integrations.ts";
import { TIMESTAMP_TOLERANCE_S, verifyWebhook, webhookKey } from "../webhook-signature.ts";

export const SOURCE_HEADER = "p13n-source";

export type AuthCode = "UNKNOWN_SOURCE" | "BAD_SIGNATURE" | "STALE_TIMESTAMP";

export type Authentication =
  | { ok: true; source: string; settings: ServerSource; messageId: string; timestamp: number }
  | { ok: false; code: AuthCode; message: string };

const MESSAGE_ID = /^[A-Za-z0-9_.:-]{1,128}$/;
const TIMESTAMP = /^\d{1,12}$/;
const MAX_SIGNATURE_HEADER = 1024;

export async function authenticate(request: Request, body: Uint8Array, sources: ServerSources, now: number): Promise<Authentication> {
  const name = request.headers.get(SOURCE_HEADER)?.trim() ?? "";
  const settings = sources.get(name);
  if (!settings) return { ok: false, code: "UNKNOWN_SOURCE", message: `send ${SOURCE_HEADER}: the name of a source in SERVER_EVENT_SOURCES` };
  const id = request.headers.get("webhook-id") ?? "";
  const ts = request.headers.get("webhook-timestamp") ?? "";
  const signature = request.headers.get("webhook-signature") ?? "";
  if (!MESSAGE_ID.test(id)) return { ok: false, code: "BAD_SIGNATURE", message: "webhook-id: 1–128 letters, digits, '_', '.', ':' or '-', unique per message" };
  if (!TIMESTAMP.test(ts)) return { ok: false, code: "BAD_SIGNATURE", message: "webhook-timestamp: the time of sending, in unix seconds" };
  if (signature === "" || signature.length > MAX_SIGNATURE_HEADER) return { ok: false, code: "BAD_SIGNATURE", message: "webhook-signature: v1,<base64 HMAC-SHA256 of id.timestamp.body>" };
  const timestamp = Number(ts);
  const keys = await Promise.all(settings.keys.map((k) => webhookKey(k)));
  if (!(await verifyWebhook(keys, { id, timestamp, signature }, body))) {
    return { ok: false, code: "BAD_SIGNATURE", message: `the signature does not verify with ${name}'s key (sign "\${webhook-id}.\${webhook-timestamp}.\${body}" with HMAC-SHA256)` };
  }
  if (Math.abs(now / 1000 - timestamp) > TIMESTAMP_TOLERANCE_S) {
    return { ok: false, code: "STALE_TIMESTAMP", message: `webhook-timestamp is more than ${TIMESTAMP_TOLERANCE_S} s from the Worker's clock: send each message when you sign it (a retry is signed anew)` };
  }
  return { ok: true, source: name, settings, messageId: id, timestamp };
}
