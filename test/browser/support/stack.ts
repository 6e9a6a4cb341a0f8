/**
 * What a browser test uses from the global setup: the Worker's address, publishing a
 * manifest into its KV, seeding the results D1, and reading what a visitor's object holds the
 * way the visitor can: through `GET /__p13n/me` with their cookie (never the object's tables).
 *
 * @example
 * await publishManifest(manifest({ hero: [{ id: "all", html: "<b>Hi</b>" }] }));
 * const me = await meWith(`__Host-p13n_vid=${cookie.value}`);
 * me.recentInteractions; // newest first, each with the event as recorded
 */
import { inject } from "vitest";
import { POINTER_KEY, versionKey } from "../../../src/content/keys.ts";
import type { Manifest } from "../../../src/engine/types.ts";

export const workerUrl = (): string => inject("p13nUrl");

async function inspect(path: string, body: unknown): Promise<Response> {
  const res = await fetch(`${inject("inspectUrl")}${path}`, { method: "POST", body: JSON.stringify(body) });
  if (!res.ok && res.status !== 204) throw new Error(`inspector ${path}: ${res.status} ${await res.text()}`);
  return res;
}

/**
 * Publishes a manifest the way the CLI does (the immutable version, then the pointer) and
 * waits until the Worker serves it: an isolate re-reads the pointer within MANIFEST_TTL_S,
 * and test files share one Worker, so a test must never run against another file's version.
 */
export async function publishManifest(m: Manifest, timeoutMs = 45_000): Promise<void> {
  await inspect("/kv", { key: versionKey(m.version), value: JSON.stringify(m) });
  await inspect("/kv", { key: POINTER_KEY, value: JSON.stringify({ version: m.version, updatedAt: new Date().toISOString() }) });
  const until = Date.now() + timeoutMs;
  for (;;) {
    const health = (await (await fetch(`${workerUrl()}/__p13n/healthz`)).json()) as { contentVersion: string | null };
    if (health.contentVersion === m.version) return;
    if (Date.now() > until) throw new Error(`the Worker still serves ${health.contentVersion}, not ${m.version}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** What `GET /__p13n/me` answers in JSON (src/routes/me/view.ts MeView), the parts the tests read. */
export interface MeJson {
  stored: { anything: boolean };
  statedPreferences: { yours: unknown };
  recentInteractions: Array<{ type: string; at: string; summary: string; data: Record<string, unknown> }>;
}

/** The preference centre's JSON for a request carrying `cookie` (a Cookie header's value). */
export async function meWith(cookie: string): Promise<MeJson> {
  const res = await fetch(`${workerUrl()}/__p13n/me?format=json`, { headers: { cookie, accept: "application/json" } });
  if (!res.ok) throw new Error(`GET /__p13n/me: ${res.status} ${await res.text()}`);
  return (await res.json()) as MeJson;
}

/** Runs SQL on the Worker's results D1 (seeding aggregates the way counters' flushes would). */
export async function resultsSql<Row>(query: string, params: Array<string | number> = []): Promise<Row[]> {
  return (await (await inspect("/d1", { query, params })).json()) as Row[];
}
