/**
 * Which slots a change touches that only a publisher may change: a slot that is `trusted` (its
 * fragments skip the sanitizer, so scripts run) before or after, whose settings or variants
 * differ. Marking a slot trusted, un-marking it, or editing a trusted slot's fragments all count.
 *
 * @example
 * trustedChanges(live, draft); // ["checkout-widget"]
 */
import { canonicalJson } from "../content/canonical.ts";

const rec = (x: unknown): Record<string, unknown> => (x && typeof x === "object" && !Array.isArray(x) ? (x as Record<string, unknown>) : {});

export function trustedChanges(before: Record<string, unknown> | null, after: Record<string, unknown>): string[] {
  const a = rec(before?.slots);
  const b = rec(after.slots);
  const out: string[] = [];
  for (const id of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const was = rec(a[id]);
    const is = rec(b[id]);
    if (was.trusted !== true && is.trusted !== true) continue;
    if (canonicalJson(was) !== canonicalJson(is)) out.push(id);
  }
  return out.sort();
}
