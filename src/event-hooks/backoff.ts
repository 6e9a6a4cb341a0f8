/**
 * When an outbound hook that failed is tried again: a doubling delay from HOOK_FIRST_RETRY_MS,
 * capped at HOOK_MAX_DELAY_MS, plus up to 20% jitter so objects that failed together (the
 * receiver was down for everyone) do not all come back in the same second. The jitter is drawn
 * from the message id and the attempt, so the schedule is the same on every run (and testable
 * without a random source). A receiver's `Retry-After` is honoured when it asks for longer.
 *
 * After HOOK_MAX_ATTEMPTS sends (the eleven waits between them add up to 14.5–16.2 hours) the
 * message is dropped, and logged: a receiver down for most of a day loses nothing.
 *
 * @example
 * retryDelayMs(1, "msg_1"); // 30 000 … 36 000
 * retryDelayMs(3, "msg_1"); // 120 000 … 144 000
 */
export const HOOK_MAX_ATTEMPTS = 12;
export const HOOK_FIRST_RETRY_MS = 30_000;
export const HOOK_MAX_DELAY_MS = 6 * 3_600_000;
const JITTER = 0.2;

/** FNV-1a of a string, as a fraction in [0, 1). */
function fraction(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h / 0x1_0000_0000;
}

/**
 * The delay after the `attempts`-th failed send (1 after the first).
 *
 * @example
 * retryDelayMs(2, "msg_1", 600_000); // 600 000: the receiver's Retry-After is longer
 */
export function retryDelayMs(attempts: number, id: string, retryAfterMs?: number): number {
  const base = Math.min(HOOK_MAX_DELAY_MS, HOOK_FIRST_RETRY_MS * 2 ** Math.max(0, attempts - 1));
  const jittered = Math.round(base * (1 + JITTER * fraction(`${id}:${attempts}`)));
  return Math.min(HOOK_MAX_DELAY_MS, Math.max(jittered, retryAfterMs ?? 0));
}
