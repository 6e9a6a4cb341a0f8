/**
 * Time as the visitor lives it: local hour, weekday and date from `now` and the
 * request's IANA time zone; variant schedules (absolute start/end) and dayparts
 * (local hours and weekdays).
 */

export interface LocalTime {
  /** 0..23 */
  hour: number;
  /** mon..sun */
  weekday: string;
  /** YYYY-MM-DD */
  date: string;
}

/** Formatter creation costs far more than formatting: keep one per zone, bounded. */
const FORMATTERS = new Map<string, Intl.DateTimeFormat>();
const MAX_FORMATTERS = 64;

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let fmt = FORMATTERS.get(timeZone);
  if (fmt) return fmt;
  try {
    fmt = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      weekday: "short",
    });
  } catch {
    // An unknown zone from a header must not break the page: treat it as UTC.
    fmt = formatterFor("UTC");
  }
  if (FORMATTERS.size >= MAX_FORMATTERS) {
    // Evict the oldest entry (Map keeps insertion order).
    const first = FORMATTERS.keys().next();
    if (!first.done) FORMATTERS.delete(first.value);
  }
  FORMATTERS.set(timeZone, fmt);
  return fmt;
}

const SHORT_DAYS: Record<string, string> = { Mon: "mon", Tue: "tue", Wed: "wed", Thu: "thu", Fri: "fri", Sat: "sat", Sun: "sun" };
const UTC_DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;

/**
 * The visitor's local hour, weekday and date at `now` (epoch ms) in `timeZone` (UTC when absent or unknown).
 *
 * @example
 * localTime(Date.parse("2026-03-02T23:30:00Z"), "Europe/Berlin"); // { hour: 0, weekday: "tue", date: "2026-03-03" }
 */
export function localTime(now: number, timeZone: string | undefined): LocalTime {
  const zone = timeZone === undefined || timeZone === "Etc/UTC" ? "UTC" : timeZone;
  // Every zone's offset today is a whole number of quarter hours, so local hour, weekday and
  // date hold across each quarter hour of UTC: one Intl call per zone per quarter hour, not per request.
  const quarter = Math.floor(now / QUARTER_MS);
  const seen = LOCAL_TIMES.get(zone);
  if (seen !== undefined && seen.quarter === quarter) return seen.local;
  if (zone === "UTC") {
    // The common no-zone case without Intl at all.
    const d = new Date(now);
    return remember(zone, quarter, { hour: d.getUTCHours(), weekday: UTC_DAYS[d.getUTCDay()] ?? "sun", date: d.toISOString().slice(0, 10) });
  }
  const { local, minute, second } = formatLocal(zone, now);
  const utc = new Date(now);
  // An offset off the quarter hour (historic local mean times) is never reused.
  if (second === utc.getUTCSeconds() && (minute - utc.getUTCMinutes()) % 15 === 0) return remember(zone, quarter, local);
  return local;
}

const QUARTER_MS = 15 * 60_000;
const LOCAL_TIMES = new Map<string, { quarter: number; local: LocalTime }>();

function remember(zone: string, quarter: number, local: LocalTime): LocalTime {
  if (!LOCAL_TIMES.has(zone) && LOCAL_TIMES.size >= MAX_FORMATTERS) {
    const first = LOCAL_TIMES.keys().next();
    if (!first.done) LOCAL_TIMES.delete(first.value);
  }
  // Shared by every request in the quarter hour: frozen.
  LOCAL_TIMES.set(zone, { quarter, local: Object.freeze(local) });
  return local;
}

function formatLocal(timeZone: string, now: number): { local: LocalTime; minute: number; second: number } {
  let hour = 0;
  let minute = 0;
  let second = 0;
  let weekday = "sun";
  let year = "";
  let month = "";
  let day = "";
  for (const part of formatterFor(timeZone).formatToParts(now)) {
    switch (part.type) {
      case "hour":
        hour = Number(part.value) % 24;
        break;
      case "minute":
        minute = Number(part.value);
        break;
      case "second":
        second = Number(part.value);
        break;
      case "weekday":
        weekday = SHORT_DAYS[part.value] ?? "sun";
        break;
      case "year":
        year = part.value;
        break;
      case "month":
        month = part.value;
        break;
      case "day":
        day = part.value;
        break;
    }
  }
  return { local: { hour, weekday, date: `${year}-${month}-${day}` }, minute, second };
}

/**
 * Whether local `hour` falls in the daypart [from, to). When from > to the window
 * wraps past midnight (e.g. [22, 2) is 22:00–01:59); from === to is never.
 *
 * @example
 * inHours(23, [22, 2]); // true
 * inHours(12, [18, 23]); // false
 */
export function inHours(hour: number, [from, to]: readonly [number, number]): boolean {
  if (from < to) return hour >= from && hour < to;
  if (from > to) return hour >= from || hour < to;
  return false;
}

/** A schedule precompiled once per manifest (ISO timestamps parsed, weekdays as a set). */
export interface CompiledSchedule {
  start: number | undefined;
  end: number | undefined;
  hours: readonly [number, number] | undefined;
  days: ReadonlySet<string> | undefined;
}

/**
 * Parses a variant schedule once.
 *
 * @example
 * compileSchedule({ start: "2026-12-01T00:00:00Z", hours: [18, 23] });
 */
export function compileSchedule(s: { start?: string; end?: string; hours?: readonly [number, number]; days?: readonly string[] }): CompiledSchedule {
  // Every field present (undefined when unset): one shape for every schedule, read on the hot path.
  return {
    start: s.start !== undefined ? Date.parse(s.start) : undefined,
    end: s.end !== undefined ? Date.parse(s.end) : undefined,
    hours: s.hours,
    days: s.days !== undefined ? new Set(s.days) : undefined,
  };
}

export type TimingVerdict =
  | { ok: true }
  | { ok: false; reason: "schedule" | "daypart"; detail: string };

const OK: TimingVerdict = { ok: true };

/**
 * Checks the absolute window first (cheap), then the local daypart (needs local time).
 *
 * @example
 * checkSchedule(compileSchedule({ hours: [18, 23] }), now, () => localTime(now, "Europe/Berlin"));
 */
export function checkSchedule(s: CompiledSchedule, now: number, local: () => LocalTime): TimingVerdict {
  if (s.start !== undefined && now < s.start) return { ok: false, reason: "schedule", detail: `starts ${new Date(s.start).toISOString()}` };
  if (s.end !== undefined && now >= s.end) return { ok: false, reason: "schedule", detail: `ended ${new Date(s.end).toISOString()}` };
  if (s.hours !== undefined || s.days !== undefined) {
    const t = local();
    if (s.days !== undefined && !s.days.has(t.weekday)) return { ok: false, reason: "daypart", detail: `not shown on ${t.weekday}` };
    if (s.hours !== undefined && !inHours(t.hour, s.hours)) {
      return { ok: false, reason: "daypart", detail: `local hour ${t.hour} outside [${s.hours[0]}, ${s.hours[1]})` };
    }
  }
  return OK;
}
