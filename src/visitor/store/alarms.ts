/**
 * The object's one alarm, which does two jobs: retention (erase the visitor RETENTION_DAYS
 * after their last activity; idempotent, alarms are at-least-once) and delivery (hand the
 * experiment outbox to the counters soon after it fills). A write moves it at most once.
 *
 * Delivery waits DELIVERY_DELAY_MS, so one counter call carries every page a visitor sees
 * meanwhile (a counter object is shared by all of an experiment's visitors, and one call per
 * page view would make it the bottleneck), plus a random part of DELIVERY_SPREAD_MS: visitors
 * who arrived together (a campaign's e-mail, a load test's start) would otherwise all deliver
 * in the same instant, every time, and a counter or an objects' machine would take the whole
 * wave at once. The spread changes when a count arrives, never whether or how often: the
 * outbox is durable and numbered (src/visitor/experiment-tally.ts).
 *
 * @example
 * await scheduleAfterWrite(ctx.storage, { now, retentionMs, deliver: tally.pending() > 0 });
 */

/** An alarm is never set closer than this for retention: a long-idle object that wakes up gets a grace hour. */
export const MIN_ALARM_DELAY_MS = 3_600_000;
/** How long a write or an erasure waits for the experiment counters before leaving increments in the outbox. */
export const DELIVERY_BUDGET_MS = 500;
/** An outbox a counter did not take is offered again this much later (plus the spread), by the alarm. */
export const DELIVERY_RETRY_MS = 30_000;
/** Increments wait at least this long in the outbox… */
export const DELIVERY_DELAY_MS = 15_000;
/** …and at most this much longer (uniformly at random). */
export const DELIVERY_SPREAD_MS = 15_000;

/**
 * When an outbox that fills at `now` is next offered (`after`: DELIVERY_DELAY_MS, or the retry delay).
 *
 * @example
 * deliveryTime(Date.now()); // 15–30 s from now
 */
export function deliveryTime(now: number, after: number = DELIVERY_DELAY_MS, random: number = Math.random()): number {
  return now + after + Math.floor(random * DELIVERY_SPREAD_MS);
}

/** Moves the alarm to `at` unless one is already set at or before it. */
export async function alarmNoLaterThan(storage: DurableObjectStorage, at: number): Promise<void> {
  const current = await storage.getAlarm();
  if (current === null || current > at) await storage.setAlarm(at);
}

/**
 * After a write: a retention alarm when there is none, brought forward to a delivery time
 * when the write left increments in the outbox. One read of the alarm, at most one write.
 */
export async function scheduleAfterWrite(storage: DurableObjectStorage, o: { now: number; retentionMs: number; deliver: boolean }): Promise<void> {
  const current = await storage.getAlarm();
  let want = current ?? Math.max(o.now + o.retentionMs, Date.now() + MIN_ALARM_DELAY_MS);
  if (o.deliver) want = Math.min(want, deliveryTime(Date.now()));
  if (want !== current) await storage.setAlarm(want);
}

/**
 * After the alarm ran, for a visitor still within retention: the deadline, or sooner while
 * increments wait for a counter.
 */
export function nextAlarm(now: number, deadline: number, undelivered: number): number {
  return undelivered > 0 ? Math.min(deadline, deliveryTime(now, DELIVERY_RETRY_MS)) : deadline;
}
