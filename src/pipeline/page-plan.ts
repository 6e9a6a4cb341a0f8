/**
 * What the page path does with a decided page, as one pure function of plain facts: what to
 * track, what to inject, how to treat the body, which headers. No I/O, no clock, no Workers
 * types: tested in plain Node (test/node/pipeline/page-plan.test.ts).
 *
 *  - Crawlers get no memory: an object (and a 30-day alarm) per bot request would be waste.
 *  - A visitor seen for the first time (their id issued on this very response) costs no
 *    object: memory starts when they come back with the signed cookie. No header proves a
 *    browser, and a client that ignores cookies would otherwise create an object per request.
 *  - A control arm or a holdout shows the default: the page is still read for its slots, so
 *    that exposure counts like a treatment's (or the arms could not be compared).
 *  - Nothing visitor-specific to send: the origin's page; while a manifest is published, a
 *    later visit could be personalized, so no validators to revalidate into it (no stale defaults).
 *
 * @example
 * planPage({ remembered: true, bot: false, issuedId: false, signedIn: false, filled: 2,
 *   clientScript: "personalized", published: true, inExperiment: false, mapped: true });
 * // { body: "fill", headers: "private", record: true, inject: true, readMeta: false, report: true }
 */

export interface PageFacts {
  /** Tracking is allowed and there is a visitor to remember (an id or a verified profile). */
  remembered: boolean;
  /** The request's device is a crawler. */
  bot: boolean;
  /** A visitor id was issued on this very response. */
  issuedId: boolean;
  /** A verified profile came with the request. */
  signedIn: boolean;
  /** How many slots the decision fills. */
  filled: number;
  /** CLIENT_SCRIPT. */
  clientScript: "personalized" | "all" | "off";
  /** A manifest is published (a later visit could be personalized). */
  published: boolean;
  /** The decision placed the visitor in an experiment on some slot (control and holdout included). */
  inExperiment: boolean;
  /** The manifest's `pages` mapping named this page's category and topics. */
  mapped: boolean;
}

export interface PagePlan {
  /** `as-is`: the body untouched; `read`: through the parser, not a byte changed; `fill`: slots filled. */
  body: "as-is" | "read" | "fill";
  /** `private`: no shared cache keeps it (and our cookie is set); `no-stale-default`: kept only privately, no validators; `origin`: as the origin said. */
  headers: "private" | "no-stale-default" | "origin";
  /** Record the page view, impressions and exposures after the last byte. */
  record: boolean;
  /** The client script tag before `</body>`. */
  inject: boolean;
  /** Read the page's own `p13n:` meta as it streams (the manifest did not map the page). */
  readMeta: boolean;
  /** Note which slots were rendered (impressions, exposures). */
  report: boolean;
}

export function planPage(f: PageFacts): PagePlan {
  const trackable = f.remembered && !f.bot;
  const firstSight = f.issuedId && !f.signedIn;
  const record = trackable && !firstSight;
  const personalized = f.filled > 0 || f.issuedId;
  const inject = trackable && f.clientScript !== "off" && (personalized || f.clientScript === "all");
  const readMeta = record && !f.mapped;
  if (personalized || inject) return { body: "fill", headers: "private", record, inject, readMeta, report: true };
  // Nothing visitor-specific to send: read the page only to learn its meta or its slots.
  const measured = record && f.inExperiment;
  return {
    body: readMeta || measured ? "read" : "as-is",
    headers: f.published ? "no-stale-default" : "origin",
    record,
    inject: false,
    readMeta,
    report: measured,
  };
}
