/**
 * The decisions of a preview: the engine's own `decide`, fed the chosen profile
 * and context instead of the visitor's (the page path's one input step,
 * src/pipeline/inputs.ts, given `previewIdentity` and `previewContext`), then any
 * forced variants laid over it. No visitor memory and no visitor id are used: what
 * an editor sees is what the rules say for that profile, not what the editor's own
 * browsing taught.
 *
 * @example
 * const result = forceVariants(decide(inputs.input), inputs.input, spec);
 */
import { variantHtml } from "../engine/decide.ts";
import type { DecideInput, DecideResult, Decision, Profile, RequestContext } from "../engine/types.ts";
import type { Identity } from "../identity/resolve.ts";
import { SAFE_POLICY } from "../privacy/policy.ts";
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
 * Who the preview decides for: the link's profile, a stable bucketing id, personalization
 * allowed and nothing tracked. The one identity whose `personalize` holds without `track`:
 * no visitor's data is used, only the profile the editor chose.
 *
 * @example
 * gatherInputs(deps, { ..., identity: previewIdentity(spec, previewNow(spec, now)) });
 */
export function previewIdentity(spec: PreviewSpec, at: number): Identity {
  const consent = { personalize: true, track: false };
  return {
    profile: previewProfile(spec, at),
    profileFailure: null,
    visitorId: null,
    cookieVisitorId: null,
    setCookie: null,
    consent,
    privacy: {
      ...consent,
      mode: "context",
      trackBy: "default",
      personalizeBy: "default",
      signals: { gpc: false, profile: {}, site: {}, visitor: {} },
      policy: SAFE_POLICY,
    },
    unitId: unitOf(spec),
  };
}

/**
 * The rules' decisions with the link's forced variants laid over them.
 *
 * @example
 * forceVariants(result, input, { variants: { hero: "sale" } });
 */
export function forceVariants(result: DecideResult, input: DecideInput, spec: PreviewSpec): DecideResult {
  const forced = spec.variants ?? {};
  const decisions = result.decisions.map((d): Decision => {
    const wanted = Object.hasOwn(forced, d.slot) ? forced[d.slot] : undefined;
    if (wanted === undefined) return d;
    // Filled as the rules' own choice would be: the preview's profile, its defaults for the rest.
    const rendered = variantHtml(input, d.slot, wanted);
    if (!rendered) return { ...d, reasons: [`forced variant ${wanted} is not in this version; the rules decided`, ...d.reasons], rejected: d.rejected };
    return {
      slot: d.slot,
      variant: wanted,
      ...rendered,
      reasons: [`forced by the preview link (the rules chose ${d.variant ?? "the default"})`],
      rejected: d.rejected.filter((r) => r.variant !== wanted),
    };
  });
  return { ...result, decisions };
}
