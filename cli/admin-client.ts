/**
 * The admin API of a deployed Worker, as the CLI calls it: every request through
 * `io.fetch` (tests replace it), bearer token in a header, JSON both ways.
 * Errors come back as AdminApiError with the API's stable code and, for a refused
 * manifest, every issue with its path.
 *
 * @example
 * const api = adminClient(io, { url: "https://shop.example", token });
 * const { version } = await api.publish(doc, { activate: true });
 */
import type { Io } from "./io.ts";
import type { ExperimentListItem, ExperimentReport } from "../src/results/report.ts";
import type { StatsReport } from "../src/observability/stats.ts";

export interface ApiIssue {
  path: (string | number)[];
  message: string;
  severity?: "error" | "warning";
}

export class AdminApiError extends Error {
  override name = "AdminApiError";
  readonly code: string;
  readonly status: number;
  readonly issues: ApiIssue[];
  constructor(status: number, code: string, message: string, issues: ApiIssue[] = []) {
    super(message);
    this.status = status;
    this.code = code;
    this.issues = issues;
  }
}

/**
 * A command's answer to a failed admin API call: the API's own code and message, exit 1;
 * anything else is not an API answer and is thrown on.
 *
 * @example
 * } catch (err) { return apiFailed(ctx.io, api.name, err); }
 */
export function apiFailed(io: { printErr(line: string): void }, apiName: string, err: unknown): 1 {
  if (!(err instanceof AdminApiError)) throw err;
  io.printErr(`✗ ${apiName}: ${err.code}: ${err.message}`);
  return 1;
}

export interface Sanitized extends ApiIssue {
  slot: string;
  variant: string;
  what: string;
}

export interface PublishAnswer {
  version: string;
  activated: boolean;
  written: boolean;
  previous: string | null;
  sanitized: Sanitized[];
  warnings: ApiIssue[];
}

export interface VersionsAnswer {
  current: string | null;
  previous: string | null;
  versions: Array<{ version: string; publishedAt: string | null; slots: number | null; variants: number | null; current: boolean; previous: boolean }>;
}

export interface AdminClient {
  readonly name: string;
  validate(manifest: unknown): Promise<{ ok: true; version: string; sanitized: Sanitized[]; warnings: ApiIssue[] }>;
  publish(manifest: unknown, opts: { activate: boolean }): Promise<PublishAnswer>;
  versions(): Promise<VersionsAnswer>;
  rollback(version?: string): Promise<{ version: string; previous: string | null }>;
  current(): Promise<{ version: string | null; manifest: Record<string, unknown> | null }>;
  /** GET /versions/:id: one version's document. */
  version(id: string): Promise<{ version: string | null; manifest: Record<string, unknown> | null }>;
  /** GET /draft: the shared draft the console edits (null when there is none). */
  draft(): Promise<{ draft: { manifest: Record<string, unknown>; etag: string; updatedBy: string; updatedAt: string } | null; live: string | null }>;
  previewLink(body: Record<string, unknown>): Promise<{ url: string; expiresAt: string }>;
  /** GET /experiments: every experiment with its units per arm and SRM flag. */
  experiments(): Promise<{ experiments: ExperimentListItem[] }>;
  /** GET /experiments/:id/results: the full report. */
  results(experiment: string, goal?: string): Promise<ExperimentReport>;
  /** GET /stats: requests, decisions, fallbacks and budgets over the last `minutes`. */
  stats(minutes: number): Promise<StatsReport>;
}

export function adminClient(io: Io, target: { url: string; token: string }): AdminClient {
  const base = new URL("/__p13n/admin/", target.url);
  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${target.token}`, accept: "application/json" };
    const init: RequestInit = { method, headers };
    if (body !== undefined) {
      headers["content-type"] = "application/json";
      init.body = typeof body === "string" ? body : JSON.stringify(body);
    }
    let res: Response;
    try {
      res = await io.fetch(new URL(path, base), init);
    } catch (err) {
      throw new AdminApiError(0, "NETWORK", `cannot reach ${base.origin}: ${(err as Error).message}`);
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new AdminApiError(res.status, "NOT_JSON", `${base.origin} answered ${res.status} without JSON: is this a p13n-edge Worker? (${text.slice(0, 120)})`);
    }
    if (!res.ok) {
      const e = (json as { error?: { code?: string; message?: string; issues?: ApiIssue[] } }).error ?? {};
      throw new AdminApiError(res.status, e.code ?? `HTTP_${res.status}`, e.message ?? `HTTP ${res.status}`, e.issues ?? []);
    }
    return json as T;
  }
  return {
    name: base.origin,
    validate: (manifest) => call("POST", "validate", { manifest }),
    publish: (manifest, opts) => call("POST", "publish", JSON.stringify({ manifest, activate: opts.activate })),
    versions: () => call("GET", "versions"),
    rollback: (version) => call("POST", "rollback", version ? { version } : {}),
    current: () => call("GET", "current"),
    version: (id) => call("GET", `versions/${encodeURIComponent(id)}`),
    draft: () => call("GET", "draft"),
    previewLink: (body) => call("POST", "preview-link", body),
    experiments: () => call("GET", "experiments"),
    results: (experiment, goal) => call("GET", `experiments/${encodeURIComponent(experiment)}/results${goal ? `?goal=${encodeURIComponent(goal)}` : ""}`),
    stats: (minutes) => call("GET", `stats?minutes=${minutes}`),
  };
}
