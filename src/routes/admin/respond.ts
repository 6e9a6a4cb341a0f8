/**
 * The admin API's answers: every error as `{ error: { code, message, path?, issues? } }`
 * with one HTTP status per stable code. This is the only place an editor's
 * mistake becomes a 4xx.
 *
 * @example
 * return adminError(c, new P13nError("TOO_LARGE", "manifest over 5 MiB"));
 */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "../../app-env.ts";
import { describeError, P13nError, type ErrorCode } from "../../errors.ts";
import { logEvent } from "../../observability/log.ts";

const STATUS: Partial<Record<ErrorCode, ContentfulStatusCode>> = {
  // The Worker's own config is refused (src/config.ts): 500, with the message naming the fix.
  CONFIG_INVALID: 500,
  UNAUTHORIZED: 401,
  NOT_FOUND: 404,
  CROSS_SITE: 403,
  UNSUPPORTED_MEDIA_TYPE: 415,
  TOO_LARGE: 413,
  KEY_TOO_LONG: 413,
  BAD_JSON: 400,
  BAD_REQUEST: 400,
  MANIFEST_INVALID: 422,
  VERSION_EXISTS: 409,
  NO_PREVIOUS: 409,
  VERSION_NOT_FOUND: 404,
  MANIFEST_MISSING: 404,
  PREVIEW_UNAVAILABLE: 503,
  KV_FAILED: 503,
  EXPERIMENT_NOT_FOUND: 404,
  RESULTS_UNAVAILABLE: 503,
  METRICS_UNAVAILABLE: 503,
};

/** Never cached, never sniffed: admin answers are per-editor JSON. */
export const ADMIN_HEADERS: Readonly<Record<string, string>> = {
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
};

/** An issue inside the request body (e.g. one manifest validation error). */
export interface ApiIssue {
  path: (string | number)[];
  message: string;
  severity?: "error" | "warning";
}

/** Thrown by handlers; carries all issues of a refused manifest. */
export class InvalidManifest extends P13nError {
  readonly issues: ApiIssue[];
  constructor(message: string, issues: ApiIssue[]) {
    super("MANIFEST_INVALID", message, issues[0] ? { path: issues[0].path } : {});
    this.issues = issues;
  }
}

/** The JSON error answer for anything thrown in an admin handler. */
export function adminError(c: Context<AppEnv>, err: unknown): Response {
  const known = err instanceof P13nError ? STATUS[err.code] : undefined;
  if (!(err instanceof P13nError) || known === undefined) {
    logEvent("error", "admin", "ADMIN_FAILED", { path: c.req.path, error: describeError(err) });
    return c.json({ error: { code: err instanceof P13nError ? err.code : "INTERNAL", message: "internal error" } }, 500, ADMIN_HEADERS);
  }
  const body: Record<string, unknown> = { code: err.code, message: err.message };
  if (err.path) body.path = err.path;
  if (err instanceof InvalidManifest) body.issues = err.issues;
  const headers: Record<string, string> = { ...ADMIN_HEADERS };
  if (err.code === "UNAUTHORIZED") headers["www-authenticate"] = 'Bearer realm="p13n-admin"';
  return c.json({ error: body }, known, headers);
}
