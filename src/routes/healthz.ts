/** GET /__p13n/healthz — liveness and the published content version. */
import type { Context } from "hono";
import type { AppEnv } from "../app-env.ts";
import { getConfig } from "../config.ts";
import { readManifest } from "../content/manifest-store.ts";

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
      origin: config.originUrl ? config.originUrl.origin : "demo",
    },
    200,
    { "cache-control": "no-store" },
  );
}
