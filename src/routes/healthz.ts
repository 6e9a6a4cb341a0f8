/** GET /__p13n/healthz — liveness and the published content version. */
import type { Context } from "hono";
import type { AppEnv } from "../app-env.ts";
import { getConfig } from "../config.ts";
import { readManifest } from "../content/manifest-store.ts";
import { templateStore } from "../template/store.ts";

export async function healthz(c: Context<AppEnv>): Promise<Response> {
  const config = getConfig(c.env);
  const read = await readManifest(c.env.CONTENT, {
    ttlMs: config.manifestTtlMs,
    budgetMs: config.manifestBudgetMs,
    waitUntil: (p) => c.executionCtx.waitUntil(p),
  });
  return c.json(
    {
      ok: true,
      contentVersion: read.manifest?.version ?? null,
      publishedAt: read.manifest?.publishedAt ?? null,
      manifest: read.source,
      // Where pages come from: ORIGIN_URL, an origin service binding, the demo shop (local), or the zone's own origin.
      origin: config.originUrl ? config.originUrl.origin : c.env.ORIGIN ? "service" : c.env.DEMO_ORIGIN ? "demo" : "zone",
      // This isolate's page templates (src/template/): how many, and the memory they hold.
      templates: (({ size, bytes, maxBytes }) => ({ entries: size, bytes, maxBytes }))(templateStore(config.templateCacheBytes)),
    },
    200,
    { "cache-control": "no-store" },
  );
}
