/**
 * GET /__p13n/healthz — liveness and the published content version, for anyone: nothing about
 * the origin or the configuration (the origin's address would let a visitor go around the edge).
 * An editor's credential (the admin bearer token or a Cloudflare Access assertion, checked as
 * the admin API checks it) adds the detailed view: manifest source, origin, this isolate's
 * page templates. A credential that does not verify gets 401, not a silent public view. A
 * refused config (src/config/config.ts) answers 503 `{ ok: false, error: { code: "CONFIG_INVALID" } }`:
 * the pages pass through untouched meanwhile, so this is where a monitor sees it.
 *
 * @example
 * own.get("/healthz", healthz);
 * // curl /__p13n/healthz → {"ok":true,"contentVersion":"2026-11-23T16-00-00Z-ab12cd"}
 */
import type { Context } from "hono";
import type { AppEnv } from "../app-env.ts";
import { liveManifest } from "../pipeline/inputs.ts";
import { templateStore } from "../template/store.ts";
import { refuse } from "../errors.ts";
import { checkEditor } from "./admin-auth.ts";

const NO_STORE = { "cache-control": "no-store" };

export async function healthz(c: Context<AppEnv>): Promise<Response> {
  // A refused config: pages pass through untouched, so only this says so (the code, never the message).
  const refusal = c.get("configRefusal");
  if (refusal) return c.json({ ok: false, error: { code: refusal.problem.code } }, 503, NO_STORE);
  const config = c.get("config");
  const asked = c.req.raw.headers.has("authorization") || c.req.raw.headers.has("cf-access-jwt-assertion");
  const editor = asked ? await checkEditor(c.req.raw, config.admin) : null;
  if (editor && !editor.ok) {
    return refuse("UNAUTHORIZED", editor.message, { ...NO_STORE, "www-authenticate": "Bearer" });
  }
  const read = await liveManifest({ config, env: c.env, waitUntil: (p) => c.executionCtx.waitUntil(p) }, Date.now());
  const contentVersion = read.manifest?.version ?? null;
  if (!editor) return c.json({ ok: true, contentVersion }, 200, NO_STORE);
  return c.json(
    {
      ok: true,
      contentVersion,
      publishedAt: read.manifest?.publishedAt ?? null,
      manifest: read.source,
      // Where pages come from: ORIGIN_URL, an origin service binding, the demo shop (local), or the zone's own origin.
      origin: config.originUrl ? config.originUrl.origin : c.env.ORIGIN ? "service" : c.env.DEMO_ORIGIN ? "demo" : "zone",
      // This isolate's page templates (src/template/): how many, and the memory they hold.
      templates: (({ size, bytes, maxBytes }) => ({ entries: size, bytes, maxBytes }))(templateStore(config.templateCacheBytes)),
    },
    200,
    NO_STORE,
  );
}
