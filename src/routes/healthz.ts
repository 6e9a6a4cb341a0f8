/** GET /__p13n/healthz — liveness and the published content version. */
import type { Context } from "hono";
import type { AppEnv } from "../app-env.ts";
import { configProblem, getConfig } from "../config.ts";
import { readManifest } from "../content/manifest-store.ts";
import { templateStore } from "../template/store.ts";

export async function healthz(c: Context<AppEnv>): Promise<Response> {
  // A refused config: pages pass through untouched, so only this says so (the code, never the message).
  const problem = configProblem(c.env);
  if (problem) return c.json({ ok: false, error: { code: problem.code } }, 503, { "cache-control": "no-store" });
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
      // This isolate's page templates (src/template/): how many, and the memory they hold.
      templates: (({ size, bytes, maxBytes }) => ({ entries: size, bytes, maxBytes }))(templateStore(config.templateCacheBytes)),
    },
    200,
    { "cache-control": "no-store" },
  );
}
