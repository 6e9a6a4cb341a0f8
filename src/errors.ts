/**
 * Typed errors with stable codes. They become HTTP answers only at the route
 * edge; on the page path they are logged and the page degrades to the origin's.
 *
 * @example
 * throw new P13nError("MANIFEST_INVALID", "version 42 failed validation", { cause });
 * // …
 * if (err instanceof P13nError && err.code === "MANIFEST_INVALID") { … }
 */
export type ErrorCode =
  | "CONFIG_INVALID"
  | "ORIGIN_UNREACHABLE"
  | "ORIGIN_TIMEOUT"
  | "BUDGET_EXCEEDED"
  | "MANIFEST_MISSING"
  | "MANIFEST_INVALID"
  | "KV_FAILED"
  | "JWKS_UNAVAILABLE"
  | "REWRITE_FAILED"
  // Editors' API (src/routes/admin/): each becomes one HTTP status there.
  | "UNAUTHORIZED"
  | "NOT_FOUND"
  | "CROSS_SITE"
  | "UNSUPPORTED_MEDIA_TYPE"
  | "TOO_LARGE"
  | "BAD_JSON"
  | "BAD_REQUEST"
  | "VERSION_EXISTS"
  | "VERSION_NOT_FOUND"
  | "NO_PREVIOUS"
  | "KEY_TOO_LONG"
  | "PREVIEW_UNAVAILABLE"
  // Experiment results (src/results/, the admin API's /experiments).
  | "EXPERIMENT_NOT_FOUND"
  | "RESULTS_UNAVAILABLE"
  // Observability (src/observability/): the counts' reader is not configured or did not answer.
  | "METRICS_UNAVAILABLE";

export class P13nError extends Error {
  readonly code: ErrorCode;
  override readonly name = "P13nError";
  /** Where in the request the problem is (a JSON path), for the editors' API. */
  readonly path: (string | number)[] | undefined;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; path?: (string | number)[] }) {
    super(message, options);
    this.code = code;
    this.path = options?.path;
  }
}

/** A short, log-safe description of anything thrown (never a stack in a response). */
export function describeError(err: unknown): string {
  if (err instanceof P13nError) return `${err.code}: ${err.message}`;
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}
