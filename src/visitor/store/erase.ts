/**
 * Erasing a visitor, now. The rule (README "Erasure and the experiment outbox"): every
 * personal table goes at once; the experiment outbox — anonymous counts already acknowledged
 * to the visitor (experiment × arm × goal × day sums, no id, no path, no event) — is handed to
 * the counters first. If a counter cannot take it now, the outbox alone stays, with the
 * alarm, until a counter takes it (every DELIVERY_RETRY_MS); then the object is deleted
 * entirely. So erasure never waits on a counter, and no acknowledged count is lost.
 *
 * @example
 * const erasedAt = await eraseVisitor(ctx.storage, tally, env.EXPERIMENT_COUNTER);
 */
import { ExperimentTally, type CounterNamespace } from "../experiment-tally.ts";
import { alarmNoLaterThan, DELIVERY_BUDGET_MS, DELIVERY_RETRY_MS, deliveryTime } from "./alarms.ts";
import { dropAllBut } from "./tables.ts";

/**
 * Hands the outbox to the counters (within DELIVERY_BUDGET_MS); what they did not take waits
 * for the alarm, brought forward to the retry time. Returns how many increments are left.
 */
export async function deliverOutbox(storage: DurableObjectStorage, tally: ExperimentTally, counters: CounterNamespace | undefined): Promise<number> {
  if (tally.pending() === 0) return 0;
  const { left } = await tally.deliver(counters, DELIVERY_BUDGET_MS);
  if (left > 0) await alarmNoLaterThan(storage, deliveryTime(Date.now(), DELIVERY_RETRY_MS));
  return left;
}

/**
 * Erases everything personal (see above). Returns when it was done (this object's clock, read
 * after the deletion): any memory written before, even while the counters were being asked,
 * is older than that.
 */
export async function eraseVisitor(storage: DurableObjectStorage, tally: ExperimentTally, counters: CounterNamespace | undefined): Promise<number> {
  const left = tally.pending() > 0 ? (await tally.deliver(counters, DELIVERY_BUDGET_MS)).left : 0;
  if (left === 0) {
    await storage.deleteAlarm();
    await storage.deleteAll();
  } else {
    storage.transactionSync(() => dropAllBut(storage.sql, ExperimentTally.OUTBOX_TABLES));
    await storage.setAlarm(deliveryTime(Date.now(), DELIVERY_RETRY_MS));
  }
  tally.reset();
  return Date.now();
}
