/**
 * The published manifest, read from KV once per isolate and kept with a TTL.
 * A page request never waits on KV when a copy is held: past the TTL it gets
 * the held copy while one background refresh runs. Versions are immutable, so
 * a version once parsed is never fetched again. A failed read keeps serving
 * the last good version.
 */
import * as v from "valibot";
import { ruleDepthIssues } from "../engine/rule-depth.ts";
import { ManifestSchema } from "../engine/schema.ts";
import type { Manifest } from "../engine/types.ts";
import { P13nError } from "../errors.ts";
import { HeldValue } from "../held-value.ts";
import { POINTER_KEY, versionKey, type Pointer } from "./keys.ts";
import { logEvent } from "../observability/log.ts";

/** How a manifest was obtained, for Server-Timing. */
export type ManifestSource = "hit" | "stale" | "miss" | "timeout" | "error" | "none";

export interface ManifestRead {
  manifest: Manifest | null;
  source: ManifestSource;
  ms: number;
}

/** After a failed refresh, wait before asking KV again (no hammering a failing namespace). */
const RETRY_AFTER_MS = 5_000;
/** Parsed versions kept per isolate: the current one, the previous (rollback) and a preview or two. */
const MAX_VERSIONS = 4;

interface StoreState {
  held: HeldValue<Manifest | null>;
  versions: Map<string, Manifest>;
}

// Keyed by the KV binding: one store per namespace per isolate (content, not visitor state).
const stores = new WeakMap<KVNamespace, StoreState>();

function stateFor(kv: KVNamespace): StoreState {
  let s = stores.get(kv);
  if (!s) {
    const held = new HeldValue<Manifest | null>({
      load: () => fetchCurrent(kv),
      retryAfterMs: RETRY_AFTER_MS,
      onError: (err) => logEvent("warn", "manifest-store", "MANIFEST_REFRESH_FAILED", { error: String(err) }),
    });
    s = { held, versions: new Map() };
    stores.set(kv, s);
  }
  return s;
}

/**
 * Reads and validates one immutable version (memoized per isolate).
 *
 * @example
 * const m = await loadVersion(env.CONTENT, "2026-11-23T16-00-00Z-ab12cd");
 */
export async function loadVersion(kv: KVNamespace, version: string): Promise<Manifest> {
  const s = stateFor(kv);
  const held = s.versions.get(version);
  if (held) return held;
  const raw = await kv.get(versionKey(version), "json");
  if (raw === null) throw new P13nError("MANIFEST_MISSING", `version ${version} is not in KV`);
  // A version past the nesting cap was never published through the API; refuse it before the schema recurses.
  const deep = ruleDepthIssues(raw)[0];
  if (deep) throw new P13nError("MANIFEST_INVALID", `version ${version}: ${deep.message} at ${deep.path.join(".")}`);
  const parsed = v.safeParse(ManifestSchema, raw);
  if (!parsed.success) {
    throw new P13nError("MANIFEST_INVALID", `version ${version}: ${parsed.issues[0]?.message ?? "invalid"}`);
  }
  s.versions.set(version, parsed.output);
  if (s.versions.size > MAX_VERSIONS) {
    const oldest = s.versions.keys().next().value;
    if (oldest !== undefined && oldest !== s.held.value?.version) s.versions.delete(oldest);
  }
  return parsed.output;
}

/**
 * A background refresh may outlive the request's budget, but not forever: a
 * hung KV read must not block every later refresh in this isolate.
 */
export const hardCapMs = (budgetMs: number) => Math.max(1_000, budgetMs * 20);

async function fetchCurrent(kv: KVNamespace): Promise<Manifest | null> {
  const pointer = await kv.get<Pointer>(POINTER_KEY, "json");
  // Nothing published yet means no personalization, and that is not an error.
  return pointer?.version ? loadVersion(kv, pointer.version) : null;
}

/** How an isolate-held value is read: its TTL and cold budget, the clock, where background work goes. */
export interface HeldReadOptions {
  ttlMs: number;
  budgetMs: number;
  waitUntil: (p: Promise<unknown>) => void;
  /** The request's clock (epoch ms); tests move it instead of sleeping. */
  now: number;
}

/**
 * The manifest to render this request with.
 *
 * @example
 * const { manifest, source } = await readManifest(env.CONTENT, { ttlMs: 30_000, budgetMs: 50, waitUntil, now: Date.now() });
 */
export async function readManifest(kv: KVNamespace, opts: HeldReadOptions): Promise<ManifestRead> {
  const r = await stateFor(kv).held.read({ ...opts, hardCapMs: hardCapMs(opts.budgetMs) });
  const manifest = r.value ?? null;
  if (r.source === "timeout") return { manifest: null, source: "timeout", ms: r.ms };
  return { manifest, source: manifest ? r.source : "none", ms: r.ms };
}

/** Forget everything held (tests; a publish seen through the admin API in this isolate). */
export function invalidateManifest(kv: KVNamespace): void {
  stores.delete(kv);
}
