/**
 * Steps 5–7 of the page path: what the decided page needs (the plan, src/pipeline/page-plan.ts),
 * then the page as the plan says: the body (untouched, read for its meta and slots, or filled:
 * spliced from the template or streamed through the rewriter, the client script tag before
 * `</body>`), the headers (a personalized page never reaches a shared cache; a default one
 * never revalidates into an old copy), and, after the last byte, the page view recorded in one
 * call (waitUntil).
 *
 * @example
 * return decidedPage({ deps, inputs, decision, res, out, did, serverTiming: timing.header(), path: url.pathname, now });
 */
import { clientScriptTag } from "../client/tag.ts";
import { describeError } from "../errors.ts";
import { logEvent } from "../observability/log.ts";
import { scriptNonce } from "../proxy/csp-nonce.ts";
import { markPersonalized, markUnpersonalizedPage } from "../proxy/responses.ts";
import type { PageMeta } from "../rewrite/page-meta.ts";
import type { RewriteOptions } from "../rewrite/slot-rewriter.ts";
import type { RewriteReport, SlotRender } from "../rewrite/types.ts";
import type { TemplateReport } from "../template/origin-cache.ts";
import { renderPage, selectorsChanged, templateBody } from "../template/render.ts";
import { rebuildForSelectors } from "../template/admit.ts";
import { templateStore, type TemplateEntry } from "../template/store.ts";
import { personalizedHeaders } from "../template/served-head.ts";
import { slotSelectorsOf, type SlotSelectors } from "../rewrite/slot-selectors.ts";
import { recordPageAfter, type PageSeen, type RecordContext } from "../visitor/record-page.ts";
import { copyKeeper } from "../visitor/edge-copy.ts";
import { pageTopicsFromManifest } from "../content/page-topics.ts";
import type { Bindings } from "../app-env.ts";
import type { PageDecision } from "./decide-page.ts";
import type { InputDeps, Inputs } from "./inputs.ts";
import { planPage, type PagePlan } from "./page-plan.ts";
import { firstPageExposures } from "../results/first-page.ts";

/** A response's head (a served template's has no Response: src/template/served-head.ts). */
export type PageHead = Pick<Response, "status" | "statusText" | "headers" | "body">;

export interface PageOutput {
  /** The origin's answer (or the template's head), as received: its Content-Type and CSP. */
  res: Pick<Response, "headers">;
  /** The same with clean, mutable headers. */
  out: PageHead;
  did: Pick<TemplateReport, "served" | "shareable">;
  /** The page's Server-Timing header. */
  serverTiming: string;
  plan: PagePlan;
  renders: ReadonlyMap<string, SlotRender>;
  /** Our new visitor id's Set-Cookie, when one was issued. */
  setCookie: string | null;
  /** The content's slots by selector (none without a manifest). */
  selectors: SlotSelectors;
  /** A template built with other slots by selector was served: rebuild it (the page itself streams); null: leave it. */
  staleTemplate: ((served: TemplateEntry) => void) | null;
  /** Where the page view goes, and what the page was (its meta and slots are filled in as it streams). */
  record: { context: RecordContext; page: Omit<PageSeen, "meta" | "report"> };
  /**
   * A new visitor's first page (not remembered): its exposures' token for the slots it carried,
   * asked when `</body>` is reached (src/results/first-page.ts); null otherwise.
   */
  exposures: ((onPage: RewriteReport) => string | null) | null;
}

const rewriteFailed = (slot: string, err: unknown) => logEvent("error", "rewrite", "REWRITE_FAILED", { slot, error: describeError(err) });

/** The client script's tag: made at `</body>` on a first page (its token names the slots reported by then). */
function scriptTag(nonce: string | null, exposures: PageOutput["exposures"], report: RewriteReport | null): string | (() => string) {
  return exposures && report ? () => clientScriptTag(nonce, exposures(report)) : clientScriptTag(nonce);
}

export function pageResponse(p: PageOutput): Response {
  const { out, plan } = p;
  const served = p.did.served;
  // A personalized page from a template: the template's private header set, made once
  // (served-head.ts); the served head's own headers are then never made.
  const frozen = plan.headers === "private" && served ? personalizedHeaders(served) : null;
  const source = frozen ?? p.res.headers;
  const contentType = source.get("content-type") ?? "";
  const meta: PageMeta | null = plan.readMeta ? {} : null;
  const report: RewriteReport | null = plan.report ? { rendered: [], skipped: [] } : null;
  let end = (): void => {};
  let ended = new Promise<void>((resolve) => (end = resolve));
  const reading: Pick<RewriteOptions, "pageMeta" | "report"> = { ...(meta ? { pageMeta: meta } : {}), ...(report ? { report } : {}) };

  // A template's page never asks for the served response's body (a stream made only to be
  // cancelled): as it is, it is the template's own Blob; filled, it is spliced.
  const originBody = () => out.body;
  let body: ReadableStream | Blob | null = null;
  const selectors = p.selectors;
  if (plan.body !== "as-is" && served && selectorsChanged(served, selectors)) p.staleTemplate?.(served);
  if (plan.body === "as-is") {
    body = served ? templateBody(served.template.bytes) : out.body;
    ended = Promise.resolve();
  } else if (plan.body === "read") {
    // The page meta and which slots it has, read on the way through; not a byte changes.
    body = renderPage(
      originBody,
      contentType,
      new Map(),
      { checkMetaCharset: false, selectors, tagSelectorSlots: false, ...reading, onEnd: end, onError: rewriteFailed },
      p.did.served,
    );
    out.headers.delete("content-length");
  } else {
    // From the template when one answered (spliced, no parsing), else streamed through the rewriter.
    body = renderPage(originBody, contentType, p.renders, {
      checkMetaCharset: !/charset=/i.test(contentType),
      selectors,
      ...reading,
      onError: rewriteFailed,
      // The page's own CSP nonce, when it has one: strict-CSP sites would block the tag otherwise;
      // on a first page the tag also carries the exposures of the slots the page carried.
      ...(plan.inject ? { beforeBodyEnd: scriptTag(scriptNonce(source), p.exposures, report) } : {}),
      ...(plan.record ? { onEnd: end } : {}),
    }, p.did.served);
  }

  // Never let a shared cache keep a visitor's page (a template's private set is already so).
  if (plan.headers === "private" && !frozen) markPersonalized(out.headers);
  else if (plan.headers === "no-stale-default") markUnpersonalizedPage(out.headers, p.did.shareable);
  // After the last byte: what was seen, in one call.
  if (plan.record) recordPageAfter(p.record.context, { ...p.record.page, meta, report }, ended);
  // The one Response of the page (a frozen set is copied into it, never changed).
  const response = new Response(body, { status: out.status, statusText: out.statusText, headers: frozen ?? out.headers });
  const headers = response.headers;
  if (plan.headers === "private" && p.setCookie) headers.append("set-cookie", p.setCookie);
  headers.append("server-timing", p.serverTiming);
  return response;
}

/** A decided page: its plan from the gathered inputs and the decision, then the page. */
export async function decidedPage(p: {
  deps: InputDeps;
  inputs: Inputs;
  decision: PageDecision;
  res: Pick<Response, "headers">;
  out: PageHead;
  did: Pick<TemplateReport, "served" | "shareable">;
  serverTiming: string;
  path: string;
  now: number;
}): Promise<Response> {
  const { deps, inputs, decision } = p;
  const { identity, manifest, objectName, state, allocation } = inputs;
  // The page's category and topics: the manifest's mapping, else the page's own meta as it streams.
  const mapped = objectName ? pageTopicsFromManifest(manifest.manifest, p.path) : null;
  const plan = planPage({
    remembered: objectName !== null,
    bot: inputs.context.device === "bot",
    issuedId: identity.setCookie !== null,
    signedIn: identity.profile !== null,
    filled: decision.renders.size,
    clientScript: deps.config.clientScript,
    published: manifest.manifest !== null,
    inExperiment: decision.result?.decisions.some((d) => d.experiment !== undefined) ?? false,
    mapped: mapped !== null,
  });
  const context: RecordContext = {
    ns: deps.env.VISITOR as Bindings["VISITOR"] | undefined,
    objectName,
    identity,
    state,
    manifest: manifest.manifest,
    allocation,
    budgetMs: deps.config.stateWriteBudgetMs,
    now: p.now,
    waitUntil: deps.waitUntil,
    copies: copyKeeper(deps.config, deps.waitUntil),
  };
  const page = { path: p.path, mapped, why: decision.why, decided: decision.result };
  // A first page is not remembered: what it exposed the visitor to goes signed with the script, and
  // the script's first beacon (bringing the cookie back) counts it (src/results/first-page.ts).
  const firstSight = identity.setCookie !== null && !identity.profile;
  const exposures =
    plan.inject && firstSight
      ? await firstPageExposures({ secret: deps.config.visitorSecret, visitorId: identity.visitorId, now: p.now, decided: decision.result, manifest: manifest.manifest, allocation })
      : null;
  const selectors = slotSelectorsOf(manifest.manifest);
  const staleTemplate = manifest.manifest ? rebuildFor(deps, selectors) : null;
  return pageResponse({ res: p.res, out: p.out, did: p.did, serverTiming: p.serverTiming, plan, renders: decision.renders, setCookie: identity.setCookie, selectors, staleTemplate, record: { context, page }, exposures });
}

/**
 * A shared template built with other slots by selector than the live content's: rebuilt in the
 * background (only for the live content: without a manifest nothing is known to have changed).
 */
function rebuildFor(deps: InputDeps, selectors: SlotSelectors): (served: TemplateEntry) => void {
  return (served) => deps.waitUntil(rebuildForSelectors(templateStore(deps.config.templateCacheBytes), served, selectors));
}
