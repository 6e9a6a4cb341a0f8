/**
 * What a write from the web (a page view, a beacon, a /decide call: `record()`) does for a
 * signed-in visitor besides its events, inside the same transaction: the visitor's consent as
 * the request carried it is noted (a "no" to personalization drops the hooks still waiting, a
 * consented request lifts a withdrawal: src/visitor/store/consent-state.ts), and each conversion
 * accepted now queues its hook (src/visitor/store/hook-outbox.ts). Anonymous visitors have no
 * server events or hooks: nothing is noted for them.
 *
 * @example
 * const done = beginWebWrite(sql, { signedIn: true, hooks }, batch, now); // before the events
 * …apply the events…
 * done(statuses);                                                          // after them
 */
import type { EventStatus, RecordBatch } from "../events.ts";
import { noteWebConsent } from "./consent-state.ts";
import type { VisitorHooks } from "./hook-outbox.ts";

export function beginWebWrite(
  sql: SqlStorage,
  who: {
    signedIn: boolean;
    hooks: VisitorHooks | null;
    /**
     * This very consent is already noted (the object's instance wrote or read it, nothing since):
     * nothing to write, and no hook can be waiting under a "no" it noted.
     */
    noted?: boolean;
  },
  batch: Pick<RecordBatch, "events" | "personalize">,
  now: number,
): (statuses: readonly EventStatus[]) => void {
  if (!who.signedIn) return () => {};
  if (batch.personalize !== undefined && !who.noted && noteWebConsent(sql, { personalize: batch.personalize }, now)) who.hooks?.dropPending(now);
  const hooks = who.hooks;
  if (!hooks) return () => {};
  const before = hooks.cartBefore(batch.events);
  return (statuses) => hooks.afterEvents(batch.events, statuses, before, now);
}
