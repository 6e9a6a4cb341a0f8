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
  | "REWRITE_FAILED";

export class P13nError extends Error {
  readonly code: ErrorCode;
  override readonly name = "P13nError";

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** A short, log-safe description of anything thrown (never a stack in a response). */
export function describeError(err: unknown): string {
  if (err instanceof P13nError) return `${err.code}: ${err.message}`;
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}
