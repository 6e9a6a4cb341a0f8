// Server events and outbound hooks, from a Node backend: no dependency beyond node:crypto.
// README "Server events" and "Outbound hooks"; tested against the Worker in
// test/workerd/server-events-example.test.ts.
//
//   import { sendServerEvents, verifyHook } from "./server-events.mjs";
//   await sendServerEvents("https://www.example.com", { sub: "cust-1042", events: [...] },
//     { source: "helpdesk", secret: process.env.P13N_HELPDESK_KEY });
//
// Both directions are Standard Webhooks (standardwebhooks.com): HMAC-SHA256 over
// `${webhook-id}.${webhook-timestamp}.${body}`, base64, in `webhook-signature: v1,<sig>`; the key is
// `whsec_` + base64 of its bytes. The `standardwebhooks` package (and its Python, Go, Ruby, PHP
// siblings) does the same in one call.
import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";

const keyBytes = (secret) => Buffer.from(secret.replace(/^whsec_/, ""), "base64");
const sign = (secret, id, timestamp, body) => createHmac("sha256", keyBytes(secret)).update(`${id}.${timestamp}.${body}`).digest("base64");

/**
 * The headers for one message to POST /__p13n/events/server. Sign each attempt anew (the
 * timestamp must be within 5 minutes of the Worker's clock); keep the same `id` when you resend a
 * message whose answer you did not get: the Worker records it once.
 */
export function signServerEvents(body, { source, secret, id = `msg_${randomUUID()}`, timestamp = Math.floor(Date.now() / 1000) }) {
  return {
    "content-type": "application/json",
    "p13n-source": source,
    "webhook-id": id,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": `v1,${sign(secret, id, timestamp, body)}`,
  };
}

/**
 * Sends one message; resends it (same id, new signature) on 429 and 5xx, up to 5 tries, waiting
 * Retry-After or 1, 2, 4, 8 s. Returns the Worker's answer: { accepted, duplicates, refused, results, … }.
 */
export async function sendServerEvents(siteUrl, message, { source, secret, tries = 5, fetch = globalThis.fetch }) {
  const body = JSON.stringify(message);
  const id = `msg_${randomUUID()}`;
  for (let attempt = 1; ; attempt++) {
    const res = await fetch(new Request(new URL("/__p13n/events/server", siteUrl), { method: "POST", headers: signServerEvents(body, { source, secret, id }), body }));
    const answer = await res.json();
    if (res.ok) return answer;
    if (attempt >= tries || (res.status !== 429 && res.status < 500)) throw new Error(`server events refused: ${res.status} ${answer.error?.code}: ${answer.error?.message}`);
    const wait = Number(res.headers.get("retry-after")) * 1000 || 1000 * 2 ** (attempt - 1);
    await new Promise((r) => setTimeout(r, wait));
  }
}

/**
 * Verifies a hook the Worker sent (EVENT_HOOK_SECRET): the raw body as received, its headers.
 * Returns the payload, or throws. Do the payload's work once per `id` (a retry carries the same).
 */
export function verifyHook(rawBody, headers, secret, { toleranceS = 300, now = Date.now() } = {}) {
  const get = (name) => headers[name] ?? headers[name.toLowerCase()] ?? (typeof headers.get === "function" ? headers.get(name) : undefined);
  const id = get("webhook-id");
  const timestamp = Number(get("webhook-timestamp"));
  const signatures = String(get("webhook-signature") ?? "").split(" ");
  if (!id || !Number.isInteger(timestamp)) throw new Error("not a signed hook");
  if (Math.abs(now / 1000 - timestamp) > toleranceS) throw new Error("hook timestamp out of range");
  const expected = Buffer.from(sign(secret, id, timestamp, rawBody));
  const ok = signatures.some((s) => {
    const [version, value] = s.split(",");
    const given = Buffer.from(value ?? "");
    return version === "v1" && given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!ok) throw new Error("hook signature does not verify");
  return JSON.parse(rawBody);
}
