/**
 * Step 7 of the page path: after the last byte has streamed, what the visitor saw goes to
 * their object in ONE call — the page view, the served impressions, the experiment
 * exposures, the last page's reasons (for /__p13n/me) and, right after sign-in, the
 * anonymous history to merge. Never on the response's path; never blocks it.
 */
import type { DecideResult, Manifest } from "../engine/types.ts";
import { describeError } from "../errors.ts";
import type { Identity } from "../identity/resolve.ts";
import { pageExposures } from "../results/exposures.ts";
import type { PageMeta } from "../rewrite/page-meta.ts";
import type { RewriteReport } from "../rewrite/slot-rewriter.ts";
import { recordEvents, type StateRead, type VisitorNamespace } from "./access.ts";
import type { CopyKeeper } from "./edge-copy.ts";
import { boundLastPage, slotsOnPage, type LastPage } from "./disclosure.ts";
import type { RecordBatch } from "./events.ts";
import type { PageTopics } from "../content/page-topics.ts";
import { pageVisitEvents } from "./page-visit.ts";
import { logEvent } from "../observability/log.ts";
import { withinBudget } from "../timing.ts";

/** The page view is recorded when the page has streamed, or after this long at most. */
const RECORD_GUARD_MS = 10_000;

export interface PageSeen {
  path: string;
  /** The page's category and topics from the manifest's `pages` mapping, if one matched. */
  mapped: PageTopics | null;
  /** Else the page's own `p13n:` meta, filled as it streams. */
  meta: PageMeta | null;
  /** Which slots were rendered (null: none were read). */
  report: RewriteReport | null;
  /** Why each slot showed what it showed, worded only here, after the response. */
  why: () => LastPage | null;
  /** The page's decisions, for the experiment exposures it counts. */
  decided: DecideResult | null;
}

export interface RecordContext {
  ns: VisitorNamespace | undefined;
  /** The visitor's object; null: nothing may be recorded. */
  objectName: string | null;
  identity: Identity;
  /** How the page's state read went: an overloaded object is not written to on this request. */
  state: StateRead;
  manifest: Manifest | null;
  allocation: Record<string, Record<string, number>> | undefined;
  budgetMs: number;
  now: number;
  waitUntil: (p: Promise<unknown>) => void;
  /** Where the object's answer becomes the colo's copy of the memory (null: copies off). */
  copies: CopyKeeper | null;
}

/**
 * Records `page` once `ended` settles (or the guard fires), in one call.
 *
 * @example
 * recordPageAfter({ ns: env.VISITOR, objectName, identity, state, manifest, allocation: undefined,
 *   budgetMs: 2000, now, waitUntil: (p) => ctx.waitUntil(p), copies: null }, page, ended);
 */
export function recordPageAfter(r: RecordContext, page: PageSeen, ended: Promise<void>): void {
  const { ns, objectName: name } = r;
  if (!name || !ns || r.state.status === "overload") return;
  // A spliced page has ended already (no timer then); a streamed one is waited for, within the guard.
  const work = withinBudget(ended, RECORD_GUARD_MS).then(async () => {
    const topics: PageTopics = page.mapped ?? { topics: page.meta?.topics ?? [] };
    if (!page.mapped && page.meta?.category !== undefined) topics.category = page.meta.category;
    const events = pageVisitEvents(page.path, topics, page.report?.rendered ?? [], r.manifest, r.now);
    const { identity } = r;
    // Signed in with an anonymous id from before: that id's history moves to the profile.
    const mergeFrom = identity.profile && identity.visitorId && !identity.setCookie ? identity.visitorId : undefined;
    // The ids are this page's own (pageVisitEvents): the object need not look them up.
    const batch: RecordBatch = { events, madeIds: true, now: r.now, personalize: identity.consent.personalize, ...(mergeFrom ? { mergeFrom } : {}) };
    // The reasons are a courtesy: failing to word them never costs the page view.
    try {
      const lastPage = page.why();
      if (lastPage) batch.lastPageJson = JSON.stringify(boundLastPage(slotsOnPage(lastPage, page.report)));
    } catch (err) {
      logEvent("error", "record.why", "WHY_FAILED", { error: describeError(err) });
    }
    // So are the experiment exposures: the page view is recorded without them rather than not at all.
    try {
      const exposures = pageExposures(page.decided, page.report, r.manifest, r.allocation);
      if (exposures.length > 0) batch.exposures = exposures;
    } catch (err) {
      logEvent("error", "record.exposures", "EXPOSURES_FAILED", { error: describeError(err) });
    }
    const out = await recordEvents(ns, name, batch, r.budgetMs, r.copies);
    if (!out.ok) logEvent("error", "record", "RECORD_FAILED", { status: out.status, error: describeError(out.error) });
  });
  r.waitUntil(work);
}
