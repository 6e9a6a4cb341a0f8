/**
 * The decisions of a preview: the engine's own `decide`, fed the chosen profile
 * and context instead of the visitor's, then any forced variants laid over it.
 * No visitor memory and no visitor id are used: what an editor sees is what the
 * rules say for that profile, not what the editor's own browsing taught.
 *
 * @example
 * const result = decidePreview(manifest, spec, requestContext(request, url), Date.now());
 */
import { decide } from "../engine/decide.ts";
import type { DecideResult, Decision, Manifest, Profile, RequestContext } from "../engine/types.ts";
import type { PreviewSpec } from "./token.ts";

/** A stable bucketing id per previewed profile, so experiment arms stay put while clicking around. */
function unitOf(spec: PreviewSpec): string {
  return `preview:${spec.profile?.sub ?? `${spec.profile?.tier ?? "-"}/${spec.profile?.stage ?? "-"}`}`;
}

export function previewProfile(spec: PreviewSpec, now: number): Profile | null {
  const p = spec.profile;
  if (!p) return null;
  const prefs = {
    ...(p.topics ? { topics: p.topics } : {}),
    ...(p.channels ? { channels: p.channels } : {}),
    ...(p.frequency ? { frequency: p.frequency } : {}),
  };
  const s = Math.floor(now / 1000);
  return {
    sub: p.sub ?? "preview",
    ...(p.tier !== undefined ? { tier: p.tier } : {}),
    ...(p.stage !== undefined ? { stage: p.stage } : {}),
    ...(Object.keys(prefs).length ? { prefs } : {}),
    ...(p.attrs ? { attrs: p.attrs } : {}),
    consent: { personalize: true, track: false },
    iat: s,
    exp: s + 3600,
  };
}

/** The request's own context with the preview's overrides. */
export function previewContext(base: RequestContext, spec: PreviewSpec): RequestContext {
  const c = spec.context;
  if (!c) return base;
  return {
    ...base,
    ...(c.device ? { device: c.device } : {}),
    ...(c.country ? { country: c.country } : {}),
    ...(c.timezone ? { timezone: c.timezone } : {}),
  };
}

/** The time the preview is decided at: the chosen one, else now. */
export function previewNow(spec: PreviewSpec, now: number): number {
  return spec.context?.at ? Date.parse(spec.context.at) : now;
}

/**
 * @example
 * decidePreview(m, { profile: { tier: "gold" }, variants: { hero: "sale" } }, ctx, Date.now());
 */
export function decidePreview(manifest: Manifest, spec: PreviewSpec, context: RequestContext, now: number): DecideResult {
  const at = previewNow(spec, now);
  const result = decide({
    manifest,
    profile: previewProfile(spec, at),
    context: previewContext(context, spec),
    snapshot: null,
    unitId: unitOf(spec),
    consent: { personalize: true, track: false },
    now: at,
  });
  const forced = spec.variants ?? {};
  const decisions = result.decisions.map((d): Decision => {
    const wanted = Object.hasOwn(forced, d.slot) ? forced[d.slot] : undefined;
    if (wanted === undefined) return d;
    const slot = Object.hasOwn(manifest.slots, d.slot) ? manifest.slots[d.slot] : undefined;
    const variant = slot?.variants.find((x) => x.id === wanted);
    if (!variant) return { ...d, reasons: [`forced variant ${wanted} is not in this version; the rules decided`, ...d.reasons] };
    return {
      slot: d.slot,
      variant: variant.id,
      html: variant.html,
      reasons: [`forced by the preview link (the rules chose ${d.variant ?? "the default"})`],
      rejected: d.rejected.filter((r) => r.variant !== variant.id),
    };
  });
  return { ...result, decisions };
}
