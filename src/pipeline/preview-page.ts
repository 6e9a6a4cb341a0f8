/**
 * The page path of a preview, beside the visitor's (src/personalize.ts hands a
 * request over here first):
 *   1. `?__p13n_preview=<token>`: a valid token becomes the preview cookie; any value
 *      (valid, expired, `off`) redirects to the clean URL on this site (leading slashes
 *      collapsed: `//evil.example/` is `/evil.example/`), so a token never reaches
 *      the origin, a bookmark or a Referer;
 *   2. the preview cookie: the page is decided as the link's profile and context
 *      (and version, and forced variants) through the same input step as every page
 *      (src/pipeline/inputs.ts), with the overlay before `</body>`; `private, no-store`,
 *      an `X-P13n-Explain` header, and no visitor state read or written: nothing here
 *      records an impression or a page view;
 *   3. a cookie that no longer verifies (expired, key rotated) is ignored: the
 *      visitor's page path serves the request.
 * Like the visitor's path, it fails open to the origin's page.
 *
 * @example
 * const preview = previewRoute(c);
 * if (preview) { const res = await preview; if (res) return res; }
 */
import type { Context } from "hono";
import type { AppEnv } from "../app-env.ts";
import type { Config } from "../config/config.ts";
import { loadVersion, readManifest, type ManifestRead } from "../content/manifest-store.ts";
import { clearHostCookie, hostCookie, readCookie } from "../cookies.ts";
import { decide } from "../engine/decide.ts";
import { summarize } from "../engine/explain.ts";
import type { Manifest } from "../engine/types.ts";
import { describeError } from "../errors.ts";
import { logEvent } from "../observability/log.ts";
import { forceVariants, previewContext, previewIdentity, previewNow } from "../preview/decide.ts";
import { PREVIEW_COOKIE, PREVIEW_OFF, PREVIEW_PARAM } from "../preview/link.ts";
import { overlayHtml } from "../preview/overlay.ts";
import { pickerTag } from "../preview/picker-tag.ts";
import { scriptNonce } from "../proxy/csp-nonce.ts";
import { verifyPreview, type VerifiedPreview } from "../preview/token.ts";
import { originFetchFor, originRequest, sitePath } from "../proxy/origin.ts";
import { markPersonalized, originErrorPage, passThrough } from "../proxy/responses.ts";
import { passThroughReason } from "../proxy/rewritable.ts";
import { rewriteSlots, type SlotRender } from "../rewrite/slot-rewriter.ts";
import { slotSelectorsOf } from "../rewrite/slot-selectors.ts";
import { ServerTiming, withinBudget } from "../timing.ts";
import { gatherInputs } from "./inputs.ts";
import { originTarget } from "./page-io.ts";
import { rendersOf } from "./renders.ts";

/** Null (synchronously) for the ordinary visitor: no preview parameter, no preview cookie. */
export function previewRoute(c: Context<AppEnv>): Promise<Response | null> | null {
  const request = c.req.raw;
  if (request.method !== "GET") return null;
  // Asked of every page: the URL is parsed only when there is a query at all (a parameter's
  // name may arrive percent-encoded, so no cheaper test than a parse is safe); the cookie
  // parser looks for its name before parsing.
  if (request.url.includes("?")) {
    const url = new URL(request.url);
    const param = url.searchParams.get(PREVIEW_PARAM);
    if (param !== null) return enter(c, url, param);
  }
  const cookie = readCookie(request, PREVIEW_COOKIE);
  if (!cookie) return null;
  return render(c, cookie).catch((err: unknown) => {
    logEvent("error", "preview", "PREVIEW_FAILED", { error: describeError(err) });
    return null;
  });
}

function secretOf(c: Context<AppEnv>): string | undefined {
  return c.get("config").admin.previewSecret;
}

async function enter(c: Context<AppEnv>, url: URL, param: string): Promise<Response> {
  const clean = new URL(url);
  clean.searchParams.delete(PREVIEW_PARAM);
  const headers = new Headers({
    // Never off the site: a path starting `//` (or `/\`) would be a scheme-relative Location.
    location: sitePath(clean.pathname + clean.search + clean.hash),
    "cache-control": "no-store",
    "referrer-policy": "no-referrer",
  });
  const now = Date.now();
  const verified = param === PREVIEW_OFF ? null : await verifyPreview(param, secretOf(c), now);
  if (verified) {
    const maxAge = Math.max(1, verified.exp - Math.floor(now / 1000));
    headers.append("set-cookie", hostCookie(PREVIEW_COOKIE, param, maxAge));
  } else {
    headers.append("set-cookie", clearHostCookie(PREVIEW_COOKIE));
  }
  return new Response(null, { status: 302, headers });
}

async function manifestFor(c: Context<AppEnv>, preview: VerifiedPreview, timing: ServerTiming, now: number): Promise<ManifestRead> {
  const config = c.get("config");
  if (preview.spec.version) {
    try {
      return { manifest: await loadVersion(c.env.CONTENT, preview.spec.version), source: "hit", ms: 0 };
    } catch (err) {
      // A staged version that is gone or invalid: show the live one, and say so.
      timing.add("preview-version", 0, "missing");
      logEvent("warn", "preview", "PREVIEW_VERSION_UNAVAILABLE", { version: preview.spec.version, error: describeError(err) });
    }
  }
  return readManifest(c.env.CONTENT, {
    ttlMs: config.manifestTtlMs,
    budgetMs: Math.max(config.manifestBudgetMs, 1_000), // an editor can wait a little longer than a visitor
    waitUntil: (p) => c.executionCtx.waitUntil(p),
    now,
  });
}

/** The preview's decisions, renders, explain header and overlay; nothing when there is no manifest. */
async function previewDecision(c: Context<AppEnv>, preview: VerifiedPreview, timing: ServerTiming, now: number) {
  const { spec } = preview;
  const at = previewNow(spec, now);
  const request = c.req.raw;
  const inputs = await gatherInputs(
    { config: c.get("config"), env: c.env, waitUntil: (p) => c.executionCtx.waitUntil(p) },
    {
      request,
      url: new URL(request.url),
      now: at,
      isPage: Promise.resolve(false),
      identity: previewIdentity(spec, at),
      manifest: () => manifestFor(c, preview, timing, now),
      allocation: false,
      context: (base) => previewContext(base, spec),
    },
  );
  const manifest: Manifest | null = inputs.manifest.manifest;
  if (!inputs.input || !manifest) return { manifest, renders: new Map<string, SlotRender>(), explain: null, overlay: "" };
  const result = forceVariants(decide(inputs.input), inputs.input, spec);
  const overlay = overlayHtml(result, spec, { exp: preview.exp, version: manifest.version });
  return { manifest, renders: rendersOf(result), explain: summarize(result), overlay };
}

/** The console's origin: its own host (ADMIN_HOST) when it has one, else the site's. */
function consoleOrigin(config: Config, site: URL): string {
  return config.admin.adminHost ? `${site.protocol}//${config.admin.adminHost}` : site.origin;
}

async function render(c: Context<AppEnv>, token: string): Promise<Response | null> {
  const now = Date.now();
  const preview = await verifyPreview(token, secretOf(c), now);
  if (!preview) return null;
  c.set("preview", true);

  const config = c.get("config");
  const request = c.req.raw;
  const publicUrl = new URL(request.url);
  const timing = new ServerTiming();
  const target = originTarget(config, c.env);
  const originFetch = c.get("originFetch") ?? originFetchFor(target);
  const origin = withinBudget(originFetch(originRequest(request, target)), config.originTimeoutMs);
  const decision = previewDecision(c, preview, timing, now).catch((err: unknown) => {
    logEvent("error", "preview", "PREVIEW_FAILED", { error: describeError(err) });
    return null;
  });

  const answer = await origin;
  if (!answer.ok) return originErrorPage(answer.reason === "timeout" ? 504 : 502);
  const res = answer.value;
  timing.add("origin", answer.ms);
  const out = passThrough(res, config.originUrl, publicUrl);
  const headers = new Headers(out.headers);
  // An editor's view: never stored anywhere, whatever it turns out to be.
  markPersonalized(headers);
  headers.set("x-robots-tag", "noindex");
  if (passThroughReason(request, res, config.maxRewriteBytes) !== null) {
    return new Response(out.body, { status: out.status, statusText: out.statusText, headers });
  }

  const decided = await decision;
  if (decided?.explain) headers.set("x-p13n-explain", decided.explain);
  timing.add("preview", 0, decided?.manifest ? `v=${decided.manifest.version}` : "no-manifest");
  headers.append("server-timing", timing.header());
  const contentType = res.headers.get("content-type") ?? "";
  const rewritten = rewriteSlots(new Response(out.body, { headers: { "content-type": contentType } }), decided?.renders ?? new Map(), {
    checkMetaCharset: !/charset=/i.test(contentType),
    // The previewed version's slots by selector (a staged version may declare new ones).
    selectors: slotSelectorsOf(decided?.manifest),
    onError: (slot, err) => logEvent("error", "preview-rewrite", "REWRITE_FAILED", { slot, error: describeError(err) }),
    // The overlay, and the element picker that proposes slots to the console (src/client/picker.browser.js).
    ...(decided?.overlay ? { beforeBodyEnd: decided.overlay + pickerTag(scriptNonce(res.headers), consoleOrigin(config, publicUrl)) } : {}),
  });
  return new Response(rewritten.body, { status: out.status, statusText: out.statusText, headers });
}
