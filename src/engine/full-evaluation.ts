/**
 * A slot decided by score in full: every variant through every gate, every rejection worded, the
 * score arithmetic spelled out. The reference the fast pick (fast-pick.ts) is held to, and what
 * backs a fast decision's `reasons` and `rejected` when they are read.
 */
import type { Decision, Rejection } from "./types.ts";
import type { CompiledSlot, CompiledVariant } from "./compile.ts";
import { audienceGate, capGate, suppressionGate, timingGate, type GateContext } from "./eligibility.ts";
import { describeScore, scoreVariant, type ScoreParts } from "./scoring.ts";
import { fragment } from "./fragment.ts";

/** Every variant through its gates, then the best score among the eligible. */
export function decideByScore(slot: CompiledSlot, ctx: GateContext, preamble: string[], hasUnit: boolean): Decision {
  const rejected: Rejection[] = [];
  const pool = fewerPromotions(eligibleOf(slot, ctx, hasUnit, rejected), ctx, rejected);
  if (pool.length === 0) {
    return { slot: slot.id, variant: null, html: null, reasons: [...preamble, "no eligible variant: default content"], rejected };
  }

  const prefs = ctx.facts.prefs;
  let best: CompiledVariant = pool[0]!;
  let bestParts: ScoreParts = scoreVariant(best.v, prefs, ctx.facts.snapshot, ctx.personalize);
  const parts: ScoreParts[] = [bestParts];
  for (let i = 1; i < pool.length; i++) {
    const p = scoreVariant(pool[i]!.v, prefs, ctx.facts.snapshot, ctx.personalize);
    parts.push(p);
    // Strictly greater: ties keep the variant listed first.
    if (p.score > bestParts.score) {
      best = pool[i]!;
      bestParts = p;
    }
  }
  for (let i = 0; i < pool.length; i++) {
    const cv = pool[i]!;
    if (cv !== best) rejected.push({ variant: cv.v.id, reason: "outscored", detail: `${describeScore(parts[i]!)} < ${bestParts.score}` });
  }

  const reasons = [...preamble];
  reasons.push(best.audienceText ? `audience matched: ${best.audienceText}` : "no audience rule: eligible for everyone");
  if (best.v.promotional && ctx.fewer) reasons.push("promotional, shown because nothing else is eligible (fewer promotions)");
  reasons.push(describeScore(bestParts));
  return { slot: slot.id, variant: best.v.id, ...fragment(best, ctx), reasons, rejected, score: bestParts.score };
}

/** The variants that pass every gate, in listed order; each one that does not is worded into `rejected`. */
function eligibleOf(slot: CompiledSlot, ctx: GateContext, hasUnit: boolean, rejected: Rejection[]): CompiledVariant[] {
  const eligible: CompiledVariant[] = [];
  for (const cv of slot.variants) {
    if (cv.v.experimentOnly) {
      rejected.push(
        hasUnit
          ? { variant: cv.v.id, reason: "experiment", detail: "only shown through an experiment arm" }
          : { variant: cv.v.id, reason: "consent", detail: "only shown through an experiment arm; no visitor id may be used for assignment" },
      );
      continue;
    }
    // Gates inline, cheapest first: this loop runs for every variant of every slot.
    let gate = timingGate(cv, ctx);
    if (gate.ok) gate = audienceGate(cv, ctx);
    if (gate.ok) gate = suppressionGate(cv, ctx);
    if (gate.ok) gate = capGate(cv, ctx);
    if (!gate.ok) {
      rejected.push({ variant: cv.v.id, reason: gate.reason, detail: gate.detail });
      continue;
    }
    eligible.push(cv);
  }
  return eligible;
}

/** "Fewer promotions": promotional variants only when nothing else is eligible; the ones set aside are worded into `rejected`. */
function fewerPromotions(eligible: CompiledVariant[], ctx: GateContext, rejected: Rejection[]): CompiledVariant[] {
  if (!ctx.fewer || !eligible.some((cv) => !cv.v.promotional)) return eligible;
  const pool: CompiledVariant[] = [];
  for (const cv of eligible) {
    if (cv.v.promotional) rejected.push({ variant: cv.v.id, reason: "frequency", detail: "the visitor asked for fewer promotions and a non-promotional variant is eligible" });
    else pool.push(cv);
  }
  return pool;
}
