/**
 * The Worker's structured log: one JSON object per event, on one line, so Workers Logs
 * (`[observability]` in wrangler.toml), `wrangler tail` and a terminal all read it.
 *
 * Schema (README "Observability"; names are stable, fields may be added):
 *   level  "error" | "warn" | "info"
 *   at     where it happened: a stable dotted place name ("origin", "visitor.merge", "admin")
 *   code   what happened: a stable UPPER_SNAKE code, one per kind of event ("ORIGIN_TIMEOUT")
 *   error  optional: describeError() of the cause (never a stack, never a cookie or token)
 *   …      event-specific fields (slot, status, experiment, path…), never visitor data
 *
 * @example
 * logEvent("error", "origin", "ORIGIN_TIMEOUT", { error: describeError(err) });
 * // {"level":"error","at":"origin","code":"ORIGIN_TIMEOUT","error":"P13nError: …"}
 */
export type LogLevel = "error" | "warn" | "info";

export interface LogLine {
  level: LogLevel;
  at: string;
  code: string;
  [field: string]: unknown;
}

/** Writes one event. Never throws: a log line must never cost a page. */
export function logEvent(level: LogLevel, at: string, code: string, fields: Record<string, unknown> = {}): void {
  try {
    // level, at and code first (the keys a reader scans for), and never overridden by a field.
    const line = JSON.stringify(Object.assign({ level, at, code }, fields, { level, at, code }) satisfies LogLine);
    if (level === "error") console.error(line);
    else if (level === "warn") console.warn(line);
    else console.log(line);
  } catch {
    // An unserializable field (a cycle, a BigInt): the event is dropped, the request goes on.
  }
}
