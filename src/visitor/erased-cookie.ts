/**
 * `__Host-p13n_erased`: when this browser last erased its memory (/__p13n/me), by the erased
 * object's clock. The colo's copies of memory (./edge-copy.ts) are keyed by the object, and a
 * signed-in visitor keeps the same object after an erasure (the site keeps its profile cookie);
 * a copy kept in another colo before the erasure would otherwise still decide this browser's
 * pages there. With it, no copy older than the erasure is used for this browser, in any colo.
 * It holds no id, and lives only as long as such a copy could (MEMORY_COPY_MAX_AGE_S, plus a
 * minute for clocks).
 *
 * @example
 * headers.append("set-cookie", erasedCookie(erasedAt, config.memoryCopyMaxAgeS));
 * const erasedAt = readErasedAt(request); // null: never
 */
import { hostCookie, readCookie } from "../cookies.ts";

export const ERASED_COOKIE = "__Host-p13n_erased";
/** Slack for the clocks of the object that erased and the edge that reads a copy. */
const CLOCK_SLACK_S = 60;

/** When the browser last erased (epoch ms); null: not recently. An unreadable value blocks every copy. */
export function readErasedAt(request: Request): number | null {
  const value = readCookie(request, ERASED_COOKIE);
  if (value === undefined) return null;
  return /^\d{1,16}$/.test(value) ? Number(value) : Number.POSITIVE_INFINITY;
}

/** The Set-Cookie that remembers an erasure at `at` for as long as a copy from before it may live. */
export function erasedCookie(at: number, copyMaxAgeS: number): string {
  return hostCookie(ERASED_COOKIE, String(Math.ceil(at)), copyMaxAgeS + CLOCK_SLACK_S);
}
