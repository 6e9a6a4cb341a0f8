/**
 * Typed errors with stable codes, and the one catalogue that turns a code into an HTTP answer:
 * code → status → public message. They become HTTP answers only at the route edge, through
 * `errorResponse` (every /__p13n/ route: events, me, decide, admin, healthz, stats); on the page
 * path they are logged and the page degrades to the origin's.
 *
 * A P13nError's own message is meant for whoever sent the request (what was wrong, how to fix
 * it) and is answered as it is — except for codes marked `internal`, whose message names the
 * Worker's own insides: the public gets the catalogue's message, an editor the real one.
 *
 * @example
 * throw new P13nError("MANIFEST_INVALID", "version 42 failed validation", { cause });
 * // …at the route edge:
 * return errorResponse(err, { headers: { "cache-control": "no-store" } });
 */

interface CatalogueEntry {
  status: 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 428 | 429 | 500 | 503;
  /** What the public is told when the error's own message is not for them (or there is none). */
  message: string;
  /** The error's own message names the Worker's insides: only an editor reads it. */
  internal?: true;
}

/** Every code the Worker answers or throws, with its status and public message. */
export const ERRORS = {
  // The Worker itself.
  CONFIG_INVALID: { status: 500, message: "internal error", internal: true },
  INTERNAL: { status: 500, message: "internal error", internal: true },
  /** An I/O edge's budget ran out (src/timing.ts); never answered as such: the caller falls back. */
  BUDGET_EXCEEDED: { status: 503, message: "a dependency did not answer in time", internal: true },
  // Any route.
  NOT_FOUND: { status: 404, message: "no such route" },
  CROSS_SITE: { status: 403, message: "cross-site requests are refused" },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: "send JSON" },
  RATE_LIMITED: { status: 429, message: "too many requests; try again later" },
  // GET /__p13n/decide.
  BAD_QUERY: { status: 400, message: "invalid query" },
  // POST /__p13n/events (src/routes/events.ts).
  BEACON_TOO_LARGE: { status: 413, message: "a beacon is at most 64 KiB" },
  MALFORMED_JSON: { status: 400, message: "the body is not JSON" },
  INVALID_BEACON: { status: 400, message: "invalid beacon" },
  NO_VISITOR: { status: 401, message: "no verified visitor cookie" },
  CONTENT_UNAVAILABLE: { status: 503, message: "the content could not be read just now; try again" },
  STATE_OVERLOADED: { status: 503, message: "the visitor's memory is busy; try again" },
  STATE_TIMEOUT: { status: 503, message: "the visitor's memory did not answer in time; try again" },
  STATE_UNAVAILABLE: { status: 503, message: "the visitor's memory is unavailable; try again" },
  // POST /__p13n/events/server (src/routes/server-events.ts).
  UNKNOWN_SOURCE: { status: 401, message: "unknown source" },
  BAD_SIGNATURE: { status: 401, message: "the signature does not verify" },
  STALE_TIMESTAMP: { status: 401, message: "the message's timestamp is too far from the Worker's clock" },
  INVALID_EVENTS: { status: 400, message: "invalid server events" },
  LIMIT_UNAVAILABLE: { status: 503, message: "the rate limiter did not answer; try again" },
  // /__p13n/me (src/routes/me/index.ts).
  TOO_LARGE: { status: 413, message: "the body is too large" },
  INVALID_PREFERENCES: { status: 400, message: "invalid preferences" },
  NOT_STORED: { status: 409, message: "memory is off: nothing is stored" },
  // The editors' API (src/routes/admin/) and healthz.
  UNAUTHORIZED: { status: 401, message: "an editor's credential is required" },
  BAD_JSON: { status: 400, message: "the body is not valid JSON" },
  BAD_REQUEST: { status: 400, message: "invalid request" },
  MANIFEST_INVALID: { status: 422, message: "the manifest is invalid" },
  MANIFEST_MISSING: { status: 404, message: "no such version" },
  KEY_TOO_LONG: { status: 413, message: "a KV key is at most 512 bytes" },
  VERSION_EXISTS: { status: 409, message: "that version exists" },
  VERSION_NOT_FOUND: { status: 404, message: "no such version" },
  NO_PREVIOUS: { status: 409, message: "there is no previous version" },
  PREVIEW_UNAVAILABLE: { status: 503, message: "preview links cannot be signed" },
  /** The editor's role may not do this (src/routes/admin/roles.ts). */
  FORBIDDEN: { status: 403, message: "your role may not do this" },
  /** A write on the site's own host with only the Access cookie (src/routes/admin/guard.ts). */
  AMBIENT_CREDENTIAL: { status: 403, message: "a header credential is required for this" },
  /** ADMIN_HOST is set: the site's own host takes header credentials only. */
  ADMIN_HOST_ONLY: { status: 403, message: "use the console's own host" },
  // The draft (src/routes/admin/draft.ts): a version precondition on every change.
  PRECONDITION_REQUIRED: { status: 428, message: "send If-Match with the draft's ETag" },
  DRAFT_CHANGED: { status: 409, message: "the draft changed since you read it" },
  NO_DRAFT: { status: 404, message: "there is no draft" },
  /** The editors' R2 bucket (drafts, images, audit) is not bound or did not answer. */
  EDITOR_FILES_UNAVAILABLE: { status: 503, message: "the editors' store did not answer" },
  // Images (src/assets/).
  IMAGE_INVALID: { status: 422, message: "not an image this site accepts" },
  ASSET_NOT_FOUND: { status: 404, message: "no such image" },
  // Experiment results (src/results/, the admin API's /experiments).
  EXPERIMENT_NOT_FOUND: { status: 404, message: "no such experiment" },
  RESULTS_UNAVAILABLE: { status: 503, message: "the results store did not answer" },
  // Observability (src/observability/): the counts' reader is not configured or did not answer.
  METRICS_UNAVAILABLE: { status: 503, message: "the counts cannot be read" },
} as const satisfies Record<string, CatalogueEntry>;

export type ErrorCode = keyof typeof ERRORS;

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

/** The `error` object of every JSON error answer. */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
  path?: (string | number)[];
  issues?: unknown[];
}

/** The catalogue's entry for a code. */
export function errorEntry(code: ErrorCode): CatalogueEntry {
  return ERRORS[code];
}

/** The `error` object of an answer: code, message (the public one for internal codes unless `editor`), path. */
export function errorBody(err: unknown, opts: { editor?: boolean } = {}): ErrorBody {
  const known = err instanceof P13nError ? err : new P13nError("INTERNAL", "internal error");
  const entry: CatalogueEntry = ERRORS[known.code];
  const body: ErrorBody = { code: known.code, message: entry.internal && !opts.editor ? entry.message : known.message || entry.message };
  if (known.path) body.path = known.path;
  // A refused manifest carries every issue (src/routes/admin/respond.ts InvalidManifest).
  const issues = (known as { issues?: unknown }).issues;
  if (Array.isArray(issues)) body.issues = issues;
  return body;
}

/**
 * The JSON answer for an error: `{ error: { code, message, path? }, ...extra }` with the
 * catalogue's status. Anything not a P13nError is INTERNAL (500, "internal error"): never a
 * stack or a message from inside.
 *
 * @example
 * return errorResponse(new P13nError("CROSS_SITE", "beacons are accepted from this site's own pages only"), { headers: NO_STORE });
 */
export function errorResponse(
  err: unknown,
  opts: { headers?: HeadersInit; editor?: boolean; extra?: Record<string, unknown>; uncaught?: boolean } = {},
): Response {
  // An error no handler caught (src/app.ts onError) is a bug or a refused config: 500, its code, no details.
  const error = opts.uncaught ? { code: errorBody(err).code, message: ERRORS.INTERNAL.message } : errorBody(err, opts);
  const headers = new Headers(opts.headers);
  headers.set("content-type", "application/json; charset=utf-8");
  return new Response(JSON.stringify({ error, ...opts.extra }), { status: opts.uncaught ? 500 : ERRORS[error.code].status, headers });
}

/**
 * The JSON answer refusing a request with `code` (its status from the catalogue) and a message
 * for whoever sent it.
 *
 * @example
 * if (why) return refuse("CROSS_SITE", `beacons are accepted from this site's own pages only (${why})`, NO_STORE);
 */
export function refuse(code: ErrorCode, message: string, headers: Record<string, string> = {}, extra?: Record<string, unknown>): Response {
  return errorResponse(new P13nError(code, message), { headers, ...(extra ? { extra } : {}) });
}

/** A short, log-safe description of anything thrown (never a stack in a response). */
export function describeError(err: unknown): string {
  if (err instanceof P13nError) return `${err.code}: ${err.message}`;
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}
