/**
 * What a browser test uses from the global setup: the Worker's address, publishing a
 * manifest into its KV, and reading a visitor's object from Node.
 *
 * @example
 * await publishManifest(manifest({ hero: [{ id: "all", html: "<b>Hi</b>" }] }));
 * const rows = await visitorSql(`vid:${id}`, "SELECT type FROM events");
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

/** Runs SQL inside a visitor's object (`vid:<id>` or `sub:<sub>`); [] when it has no tables yet. */
export async function visitorSql<Row>(name: string, query: string, params: Array<string | number> = []): Promise<Row[]> {
  const tables = await (await inspect("/sql", { binding: "VISITOR", name, query: "SELECT name FROM sqlite_master WHERE name = 'events'" })).json();
  if ((tables as unknown[]).length === 0) return [];
  return (await (await inspect("/sql", { binding: "VISITOR", name, query, params })).json()) as Row[];
}

/** Runs SQL on the Worker's results D1 (seeding aggregates the way counters' flushes would). */
export async function resultsSql<Row>(query: string, params: Array<string | number> = []): Promise<Row[]> {
  return (await (await inspect("/d1", { query, params })).json()) as Row[];
}
