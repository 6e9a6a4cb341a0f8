/**
 * What the page path records after a page is sent: one page view and one served
 * impression per rendered slot, as a single batch (one call, after the response).
 */
import type { Manifest } from "../engine/types.ts";
import type { VisitorEvent } from "./events.ts";
import type { PageTopics } from "../content/page-topics.ts";

/**
 * @example
 * const events = pageVisitEvents("/", { category: "home", topics: [] }, [{ slot: "home-hero", variant: "gold" }], manifest, now);
 */
export function pageVisitEvents(
  path: string,
  page: PageTopics,
  rendered: ReadonlyArray<{ slot: string; variant: string }>,
  manifest: Manifest | null,
  now: number,
): VisitorEvent[] {
  const view: VisitorEvent = { type: "view", id: crypto.randomUUID(), at: now, path: path.slice(0, 2048), topics: page.topics };
  if (page.category !== undefined) view.category = page.category;
  return [view, ...servedImpressions(rendered, manifest, now)];
}

/**
 * One served impression per variant shown (they count for frequency caps), with its campaign;
 * `channel` when it was served elsewhere than a page (GET /__p13n/decide).
 *
 * @example
 * servedImpressions([{ slot: "home-hero", variant: "gold" }], manifest, now, "email");
 */
export function servedImpressions(
  shown: ReadonlyArray<{ slot: string; variant: string }>,
  manifest: Manifest | null,
  now: number,
  channel?: string,
): VisitorEvent[] {
  return shown.map((r) => {
    const impression: VisitorEvent = { type: "impression", id: crypto.randomUUID(), at: now, slot: r.slot, variant: r.variant, served: true };
    const slot = manifest && Object.hasOwn(manifest.slots, r.slot) ? manifest.slots[r.slot] : undefined;
    const campaign = slot?.variants.find((v) => v.id === r.variant)?.campaign;
    if (campaign !== undefined) impression.campaign = campaign;
    if (channel !== undefined) impression.channel = channel;
    return impression;
  });
}
