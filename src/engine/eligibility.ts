/**
 * The gates one variant passes before it may compete for its slot, each with the
 * rejection reason an editor sees in explain output. Order is cheapest first.
 */
import type { RejectReason } from "./types.ts";
import type { Facts } from "./attributes.ts";
import type { CompiledPolicy, CompiledVariant } from "./compile.ts";
import { checkSchedule, inHours, localTime } from "./timing.ts";
import { checkCap, underCap } from "./caps.ts";
import { memoRule } from "./request-memo.ts";
import type { CompiledRule } from "./rule-compiler.ts";

export type Gate = { ok: true } | { ok: false; reason: RejectReason; detail: string };

const PASS: Gate = { ok: true };

/** What the gates need to know about this request, besides the facts. */
export interface GateContext {
  readonly facts: Facts;
  /** The visitor allowed personalization (segmentation and behaviour attributes). */
  readonly personalize: boolean;
  /** The visitor asked for fewer promotions (prefs.frequency = "fewer"). */
  readonly fewer: boolean;
  readonly policy: CompiledPolicy;
  /** The promotion policy withholds every promotional variant from this visitor (`promotionsWithheld`), worked out once per request. */
  readonly noPromotions: boolean;
}

/**
 * Whether the product's promotion policy withholds promotions from this visitor (open service
 * case, just converted): the first half of `suppressionGate`, the same for every variant, so the
 * pick asks it once per request.
 *
 * @example
 * promotionsWithheld(facts, { quietHoursAfterConversion: 24, serviceCaseSuppressesPromotions: true }); // true with an open case
 */
export function promotionsWithheld(f: Facts, policy: CompiledPolicy): boolean {
  const s = f.snapshot;
  if (!s) return false;
  if (policy.serviceCaseSuppressesPromotions && s.openServiceCase === true) return true;
  const quiet = policy.quietHoursAfterConversion;
  if (quiet > 0 && s.lastConversionAt !== undefined) {
    const hours = (f.now - s.lastConversionAt) / 3_600_000;
    if (hours >= 0 && hours < quiet) return true;
  }
  return false;
}

/**
 * Schedule (absolute window) and daypart (local hours, weekdays).
 *
 * @example
 * timingGate(cv, ctx); // { ok: false, reason: "daypart", detail: "local hour 9 outside [18, 23)" }
 */
export function timingGate(cv: CompiledVariant, ctx: GateContext): Gate {
  if (!cv.schedule) return PASS;
  const f = ctx.facts;
  return checkSchedule(cv.schedule, f.now, () => (f.local ??= localTime(f.now, f.context.timezone)));
}

/**
 * The audience rule; personal rules (segmentation, behaviour) need consent.
 *
 * @example
 * audienceGate(cv, ctx); // { ok: false, reason: "consent", detail: "audience uses personal data; ..." }
 */
export function audienceGate(cv: CompiledVariant, ctx: GateContext): Gate {
  const a = cv.audience;
  if (!a) return PASS;
  if (a.personal && !ctx.personalize) {
    return { ok: false, reason: "consent", detail: `audience uses personal data (${[...a.kinds].join(", ")}); the visitor did not allow personalization` };
  }
  if (!a.test(ctx.facts)) return { ok: false, reason: "audience", detail: `audience did not match: ${cv.audienceText}` };
  return PASS;
}

/**
 * Suppression: the product's policy for promotional variants (open service case,
 * just converted), then the variant's own `suppressWhen`. It reads the same
 * consent-filtered facts as audiences: withholding a variant from some visitors is
 * targeting the others, so without personalization consent no profile attribute or
 * behaviour reaches it.
 *
 * @example
 * suppressionGate(crossSell, ctx); // { ok: false, reason: "suppressed", detail: "open service case: no promotions" }
 */
export function suppressionGate(cv: CompiledVariant, ctx: GateContext): Gate {
  const s = ctx.facts.snapshot;
  if (cv.v.promotional && s) {
    if (ctx.policy.serviceCaseSuppressesPromotions && s.openServiceCase === true) {
      return { ok: false, reason: "suppressed", detail: "open service case: no promotions or cross-sell" };
    }
    const quiet = ctx.policy.quietHoursAfterConversion;
    if (quiet > 0 && s.lastConversionAt !== undefined) {
      const hours = (ctx.facts.now - s.lastConversionAt) / 3_600_000;
      if (hours >= 0 && hours < quiet) {
        return { ok: false, reason: "suppressed", detail: `converted ${Math.round(hours * 10) / 10}h ago: no promotions for ${quiet}h` };
      }
    }
  }
  if (cv.suppress && cv.suppress.test(ctx.facts)) return { ok: false, reason: "suppressed", detail: `suppressWhen matched: ${cv.suppressText}` };
  return PASS;
}

/**
 * Frequency cap, halved for promotional variants when the visitor asked for fewer.
 *
 * @example
 * capGate(cv, ctx); // { ok: false, reason: "cap", detail: "3 of 3 impressions in 24h" }
 */
export function capGate(cv: CompiledVariant, ctx: GateContext): Gate {
  const cap = cv.v.cap;
  if (!cap) return PASS;
  const halve = ctx.fewer && cv.v.promotional;
  const r = checkCap(cap, cv.slot, cv.v.id, cv.v.campaign, ctx.facts.served, ctx.facts.now, halve);
  if (r.ok) return PASS;
  // Under the editor's cap but over the halved one: the visitor's "fewer" did it.
  const reason: RejectReason = halve && r.seen < cap.max ? "frequency" : "cap";
  return { ok: false, reason, detail: r.detail };
}

/** A compiled rule's result, from the request memo when it is already there (no call). */
function holds(r: CompiledRule, f: Facts): boolean {
  const known = r.memo >= 0 ? memoRule(f.memo, f.stamp, r.memo) : 0;
  return known === 0 ? r.test(f) : known === 2;
}

/**
 * Every gate above as one yes or no with nothing worded: the pick's hot path (fast-pick.ts),
 * which words a rejection only when someone reads it. The verdict is the four gates' together
 * (test/node/engine/fast-pick.test.ts holds the two against each other); the order differs, as
 * each is a pure yes or no: the audience first, because most candidates a walk meets fail it and
 * its answer is usually already in the request memo, so the visitor's local time is worked out
 * only when a daypart could still matter.
 *
 * @example
 * passesGates(cv, ctx); // true when timingGate, audienceGate, suppressionGate and capGate all pass
 */
export function passesGates(cv: CompiledVariant, ctx: GateContext): boolean {
  const a = cv.audience;
  if (a && ((a.personal && !ctx.personalize) || !holds(a, ctx.facts))) return false;
  return passesArmGates(cv, ctx);
}

/**
 * The gates that still hold for a variant an experiment's arm names (the audience is the
 * experiment's): timing, suppression and cap, as one yes or no (`arm-evaluation.ts` words them).
 *
 * @example
 * passesArmGates(cv, ctx); // true when timingGate, suppressionGate and capGate all pass
 */
export function passesArmGates(cv: CompiledVariant, ctx: GateContext): boolean {
  const f = ctx.facts;
  const t = cv.schedule;
  if (t) {
    if (t.start !== undefined && f.now < t.start) return false;
    if (t.end !== undefined && f.now >= t.end) return false;
    if (t.hours !== undefined || t.days !== undefined) {
      // Local time read inline (no callback): no closure per scheduled variant.
      const local = (f.local ??= localTime(f.now, f.context.timezone));
      if (t.days !== undefined && !t.days.has(local.weekday)) return false;
      if (t.hours !== undefined && !inHours(local.hour, t.hours)) return false;
    }
  }
  if (cv.promotional && ctx.noPromotions) return false;
  if (cv.suppress && holds(cv.suppress, f)) return false;
  const cap = cv.cap;
  if (cap && !underCap(cap, f, ctx.fewer && cv.promotional)) return false;
  return true;
}
