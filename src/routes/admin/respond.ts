/**
 * The admin API's answers: every error as `{ error: { code, message, path?, issues? } }` with
 * the status the one error catalogue gives its code (src/errors.ts). Editors are told the
 * real message, a refused config's included; anything unexpected is logged and answered 500.
 *
 * @example
 * return adminError(c, new P13nError("TOO_LARGE", "manifest over 5 MiB"));
 */
import type { Context } from "hono";
import type { AppEnv } from "../../app-env.ts";
import { describeError, errorResponse, P13nError } from "../../errors.ts";
import { logEvent } from "../../observability/log.ts";

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
  /** A placeholder problem: the placeholder as written, and its offset in the fragment (`path` ends in "html"). */
  placeholder?: string;
  offset?: number;
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
  if (!(err instanceof P13nError)) logEvent("error", "admin", "ADMIN_FAILED", { path: c.req.path, error: describeError(err) });
  const headers: Record<string, string> = { ...ADMIN_HEADERS };
  if (err instanceof P13nError && err.code === "UNAUTHORIZED") headers["www-authenticate"] = 'Bearer realm="p13n-admin"';
  return errorResponse(err, { headers, editor: true });
}
