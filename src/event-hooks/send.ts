/**
 * One outbound hook sent: the message signed (Standard Webhooks, src/webhook-signature.ts: the
 * `webhook-id` is the message's own id, the same on every retry, so the receiver can do its work
 * once), POSTed to EVENT_HOOK_URL within HOOK_SEND_BUDGET_MS, and the answer classified:
 *
 * | answer | outcome |
 * |---|---|
 * | 2xx | delivered |
 * | 408, 425, 429, 5xx, no answer in time, a network error | retry (with the receiver's `Retry-After`, when it sends one) |
 * | any other (3xx, 4xx) | refused: the receiver will not take it as sent, so it is dropped (logged) |
 *
 * Redirects are not followed: the visitor's data goes to the configured URL or nowhere.
 *
 * @example
 * const outcome = await sendHook(config.eventHook, { id: "msg_…", body: JSON.stringify(payload) }, Date.now());
 * if (outcome.kind === "retry") scheduleAgain(outcome.retryAfterMs);
 */
import type { EventHookSettings } from "../config/integrations.ts";
import { describeError } from "../errors.ts";
import { withinBudget } from "../timing.ts";
import { signWebhook, webhookKey } from "../webhook-signature.ts";

export const HOOK_SEND_BUDGET_MS = 10_000;
const RETRY_STATUSES = new Set([408, 425, 429]);
/** A Retry-After over this is read as this (the backoff's own cap applies too). */
const MAX_RETRY_AFTER_MS = 6 * 3_600_000;

export interface HookMessage {
  /** The idempotency key: `webhook-id`, and the payload's `id`. */
  id: string;
  /** The JSON payload, exactly as signed. */
  body: string;
}

export type HookOutcome =
  | { kind: "delivered"; status: number }
  | { kind: "retry"; status?: number; retryAfterMs?: number; reason: string }
  | { kind: "refused"; status: number; reason: string };

/** `Retry-After` in seconds or as an HTTP date, as milliseconds from `now`; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now: number): number | undefined {
  if (header === null) return undefined;
  const seconds = Number(header.trim());
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - now;
  return Number.isFinite(ms) && ms > 0 ? Math.min(ms, MAX_RETRY_AFTER_MS) : undefined;
}

/** Sends one message; never throws. */
export async function sendHook(settings: EventHookSettings, message: HookMessage, now: number): Promise<HookOutcome> {
  const timestamp = Math.floor(now / 1000);
  let signature: string;
  try {
    signature = await signWebhook(await webhookKey(settings.secret), message.id, timestamp, message.body);
  } catch (err) {
    return { kind: "retry", reason: `signing failed: ${describeError(err)}` };
  }
  const request = new Request(settings.url, {
    method: "POST",
    redirect: "manual",
    headers: {
      "content-type": "application/json",
      "user-agent": "p13n-edge-hooks/1",
      "webhook-id": message.id,
      "webhook-timestamp": String(timestamp),
      "webhook-signature": signature,
    },
    body: message.body,
  });
  const r = await withinBudget(fetch(request), HOOK_SEND_BUDGET_MS);
  if (!r.ok) return { kind: "retry", reason: r.reason === "timeout" ? `no answer within ${HOOK_SEND_BUDGET_MS} ms` : describeError(r.error) };
  const res = r.value;
  // The answer's body is not read: cancelled, so the connection is not held.
  await res.body?.cancel().catch(() => undefined);
  if (res.status >= 200 && res.status < 300) return { kind: "delivered", status: res.status };
  if (res.status >= 500 || RETRY_STATUSES.has(res.status)) {
    const after = retryAfterMs(res.headers.get("retry-after"), now);
    return { kind: "retry", status: res.status, reason: `answered ${res.status}`, ...(after !== undefined ? { retryAfterMs: after } : {}) };
  }
  return { kind: "refused", status: res.status, reason: `answered ${res.status}` };
}
