/**
 * The page path, as numbered steps (DESIGN.md "Shape of the code"):
 *   1. forward the request to the origin at once;
 *   2. in parallel: who is asking (profile, visitor id), what the request says, the manifest;
 *   3. wait for the origin's headers; anything not safe to rewrite passes through untouched;
 *   4. decide, purely, what fills each slot;
 *   5. stream the page through the slot rewriter;
 *   6. mark it private, and show the budget in Server-Timing.
 * Anything that fails in 2–5 degrades to the origin's page, untouched.
 */
import type { Context } from "hono";
import type { AppEnv } from "./app-env.ts";
import { getConfig } from "./config.ts";
import { readManifest, type ManifestRead } from "./content/manifest-store.ts";
import { requestContext } from "./context/request-context.ts";
import { decide } from "./engine/decide.ts";
import type { DecideResult } from "./engine/types.ts";
import { describeError } from "./errors.ts";
import { resolveIdentity, type Identity } from "./identity/resolve.ts";
import { originFetchFor, originRequest } from "./proxy/origin.ts";
import { markPersonalized, originErrorPage, passThrough } from "./proxy/responses.ts";
import { passThroughReason } from "./proxy/rewritable.ts";
import { rewriteSlots, type RewriteReport, type SlotRender } from "./rewrite/slot-rewriter.ts";
import { ServerTiming, withinBudget } from "./timing.ts";

interface Inputs {
  identity: Identity;
  identityMs: number;
  manifest: ManifestRead;
}

async function gatherInputs(c: Context<AppEnv>, now: number): Promise<Inputs> {
  const config = getConfig(c.env);
  const started = performance.now();
  const identityPromise = resolveIdentity(c.req.raw, config, now).then((identity) => ({
    identity,
    ms: performance.now() - started,
  }));
  const manifestPromise = readManifest(c.env.CONTENT, {
    ttlMs: config.manifestTtlMs,
    budgetMs: config.manifestBudgetMs,
    waitUntil: (p) => c.executionCtx.waitUntil(p),
  });
  const [{ identity, ms }, manifest] = await Promise.all([identityPromise, manifestPromise]);
  return { identity, identityMs: ms, manifest };
}

function rendersOf(result: DecideResult): Map<string, SlotRender> {
  const renders = new Map<string, SlotRender>();
  for (const d of result.decisions) {
    if (d.variant === null || d.html === null) continue;
    const render: SlotRender = { variant: d.variant, html: d.html };
    if (d.experiment) render.experiment = `${d.experiment.id}:${d.experiment.arm}`;
    renders.set(d.slot, render);
  }
  return renders;
}

/** Hono handler for every path outside /__p13n/. */
export async function personalize(c: Context<AppEnv>): Promise<Response> {
  const config = getConfig(c.env);
  const request = c.req.raw;
  const publicUrl = new URL(request.url);
  const timing = new ServerTiming();
  const now = Date.now();
  const target = { url: config.originUrl, fetcher: c.env.ORIGIN ?? c.env.DEMO_ORIGIN };
  const originFetch = c.get("originFetch") ?? originFetchFor(target);

  // 1. The origin first, before any personalization work.
  const origin = withinBudget(originFetch(originRequest(request, target)), config.originTimeoutMs);

  // 2. Meanwhile, everything personalization needs (never for HEAD, uploads, etc.).
  const personalizable = request.method === "GET";
  const inputs = personalizable
    ? gatherInputs(c, now).then(
        (value) => ({ ok: true as const, value }),
        (error: unknown) => ({ ok: false as const, error }),
      )
    : null;

  // 3. The origin's answer decides whether there is anything to do.
  const answer = await origin;
  if (!answer.ok) {
    console.error(JSON.stringify({ at: "origin", reason: answer.reason, error: describeError(answer.error) }));
    return originErrorPage(answer.reason === "timeout" ? 504 : 502);
  }
  const res = answer.value;
  timing.add("origin", answer.ms);
  if (!inputs || passThroughReason(request, res, config.maxRewriteBytes) !== null) {
    return passThrough(res, config.originUrl, publicUrl);
  }
  const settled = await inputs;
  if (!settled.ok) {
    console.error(JSON.stringify({ at: "inputs", error: describeError(settled.error) }));
    return passThrough(res, config.originUrl, publicUrl);
  }
  const gathered = settled.value;
  const { identity, manifest } = gathered;
  timing.add("profile", gathered.identityMs, identity.profile ? "verified" : (identity.profileFailure ?? "none").toLowerCase());
  timing.add("manifest", manifest.ms, manifest.source);

  // 4. Decide (pure). An engine error must never cost the page.
  let renders = new Map<string, SlotRender>();
  if (manifest.manifest) {
    const t = performance.now();
    try {
      const result = decide({
        manifest: manifest.manifest,
        profile: identity.profile,
        context: requestContext(request, publicUrl),
        snapshot: null,
        unitId: identity.unitId,
        consent: identity.consent,
        now,
      });
      renders = rendersOf(result);
    } catch (err) {
      console.error(JSON.stringify({ at: "decide", error: describeError(err) }));
    }
    timing.add("decide", performance.now() - t);
  }

  const out = passThrough(res, config.originUrl, publicUrl);
  const headers = new Headers(out.headers);
  headers.append("server-timing", timing.header());
  // Nothing visitor-specific to send: the origin's page, its caching headers intact.
  if (renders.size === 0 && !identity.setCookie) {
    return new Response(out.body, { status: out.status, statusText: out.statusText, headers });
  }

  // 5. Stream the page through the slot rewriter.
  const report: RewriteReport = { rendered: [], skipped: [] };
  const contentType = res.headers.get("content-type") ?? "";
  const rewritten = rewriteSlots(new Response(out.body, { headers: { "content-type": contentType } }), renders, {
    checkMetaCharset: !/charset=/i.test(contentType),
    report,
    onError: (slot, err) => console.error(JSON.stringify({ at: "rewrite", slot, error: describeError(err) })),
  });

  // 6. Never let a shared cache keep a visitor's page.
  markPersonalized(headers);
  if (identity.setCookie) headers.append("set-cookie", identity.setCookie);
  return new Response(rewritten.body, { status: out.status, statusText: out.statusText, headers });
}
