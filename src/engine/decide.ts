/**
 * The decision engine's entry point: which variant fills each slot, and why.
 * Pure: data in, decisions out; no I/O, no clock, no randomness.
 *
 * Steps (per request):
 * 1. compile the manifest (cached per manifest object);
 * 2. settle consent: `consent.personalize`, and never against a profile that says no; the facts
 *    every later step reads are filtered by it (attributes.ts `makeFacts`);
 * 3. global holdout: the visitor gets the default everywhere, so uplift can be measured;
 * 4. experiments: assign the visitor (sticky hash) to every running experiment whose slots
 *    are free, in id order; layers keep experiments mutually exclusive;
 * 5. each slot: an experiment's arm decides it (control and holdout keep the default);
 *    otherwise every variant passes its gates (experiment-only, timing, audience + consent,
 *    suppression, cap), "fewer promotions" defers promotional ones, and the best score wins;
 *    nothing eligible → the origin's default content (variant null). The chosen fragment's
 *    placeholders are filled from the same facts (placeholders.ts), so every renderer gets final HTML.
 *
 * Step 5 by score runs twice over, once fast, once in full: the pick (`pickByScore`) walks the
 * slot's candidates best priority first and stops as soon as no later one can outscore the best
 * eligible so far, wording nothing; the full evaluation (`decideByScore`: every variant, every
 * rejection worded, the score arithmetic) runs only when the decision's `reasons` or `rejected`
 * are read (explain, preview, /decide for editors, the visitor's "why" after the response).
 * Both pick the same variant (test/node/engine/fast-pick.test.ts).
 */
import type { Decision, DecideInput, DecideResult, ExperimentAssignment, Prefs, Rejection } from "./types.ts";
import { makeFacts, type Facts } from "./attributes.ts";
import { compileManifest, type CompiledManifest, type CompiledSlot, type CompiledVariant } from "./compile.ts";
import { assignExperiment, inGlobalHoldout, type ExperimentOutcome } from "./experiments.ts";
import { audienceGate, capGate, passesGates, suppressionGate, timingGate, type GateContext } from "./eligibility.ts";
import { describeScore, scoreVariant, type ScoreParts } from "./scoring.ts";
import { fillTemplate } from "./placeholders.ts";
import type { Ranked } from "./compile.ts";

export { SCORING_FORMULA } from "./scoring.ts";
export { ATTRIBUTES } from "./attributes.ts";

/**
 * Decides every requested slot.
 *
 * @example
 * const { decisions } = decide({ manifest, profile, context, snapshot, unitId: "v-123",
 *   consent: { personalize: true, track: true }, now: Date.now() });
 * // decisions[0] → { slot: "hero", variant: "gold-offer", html: "<h2>…</h2>", reasons: [...], rejected: [...] }
 */
export function decide(input: DecideInput): DecideResult {
  return decideWith(input, pickByScore);
}

/**
 * `decide()` with every slot evaluated in full up front: every variant through every gate, every
 * rejection worded. The reference the fast pick is held to (test/node/engine/fast-pick.test.ts);
 * `decide()`'s decisions word the same explanation when read.
 *
 * @example
 * decideInFull(input).decisions[0].rejected; // every other variant, with its reason
 */
export function decideInFull(input: DecideInput): DecideResult {
  return decideWith(input, decideByScore);
}

type ByScore = (slot: CompiledSlot, ctx: GateContext, preamble: string[], hasUnit: boolean) => Decision;

function decideWith(input: DecideInput, byScore: ByScore): DecideResult {
  // 1. Compile once per published manifest.
  const m = compileManifest(input.manifest);

  // 2. Consent: the caller's policy, never against a signed profile that says no.
  const { facts, personalize, prefs } = factsOf(input);
  const ctx: GateContext = {
    facts,
    personalize,
    // A stated preference: honoured with or without personalization consent.
    fewer: prefs?.frequency === "fewer",
    policy: m.policy,
  };
  const slotIds = input.slots ?? m.slotIds;
  const manifestVersion = input.manifest.version;

  // 3. Global holdout.
  const global = inGlobalHoldout(input.manifest.holdout, input.unitId);
  if (global?.held) {
    const reason = `global holdout (bucket ${global.bucket}): no personalization, to measure uplift`;
    return {
      holdout: true,
      manifestVersion,
      decisions: slotIds.map((slot) => ({ slot, variant: null, html: null, reasons: [reason], rejected: [] })),
    };
  }

  // 4. Experiments covering the requested slots.
  const claims = assignAll(m, slotIds, ctx, input);

  // 5. Each slot.
  const decisions: Decision[] = [];
  for (const slotId of slotIds) {
    const slot = m.slots.get(slotId);
    if (!slot) {
      decisions.push({ slot: slotId, variant: null, html: null, reasons: ["slot not in the manifest: default content"], rejected: [] });
      continue;
    }
    const claim = claims.get(slotId);
    decisions.push(claim ? decideByExperiment(slot, claim, ctx) : byScore(slot, ctx, notes(slot, claims.notes), input.unitId !== null));
  }
  return { decisions, holdout: false, manifestVersion };
}

/** Every gate, rule, score and placeholder reads these facts, filtered by consent in this one place. */
function factsOf(input: DecideInput): { facts: Facts; personalize: boolean; prefs: Prefs | undefined } {
  const personalize = input.consent.personalize && input.profile?.consent?.personalize !== false;
  const prefs = statedPrefs(input.profile?.prefs, input.statedPrefs);
  const facts = makeFacts({ profile: input.profile, context: input.context, snapshot: input.snapshot, now: input.now, prefs, personalize });
  return { facts, personalize, prefs };
}

/**
 * One variant's HTML for this input's visitor, its placeholders filled from the same
 * consent-filtered facts `decide` uses (for a variant chosen outside the rules: a preview's
 * forced variant). Undefined when the slot or variant is not in the manifest.
 *
 * @example
 * variantHtml(input, "hero", "cart-reminder"); // { html: "<h1>Your Aero Leggings …</h1>", filled: true }
 */
export function variantHtml(input: DecideInput, slotId: string, variantId: string): { html: string; filled?: true } | undefined {
  const cv = compileManifest(input.manifest).slots.get(slotId)?.byId.get(variantId);
  if (!cv) return undefined;
  return cv.template ? { html: fillTemplate(cv.template, factsOf(input).facts), filled: true } : { html: cv.v.html };
}

/**
 * The visitor's own stated preferences over the profile's, field by field: what they said
 * here is newer than what the site's backend signed.
 *
 * @example
 * statedPrefs({ topics: ["yoga"], frequency: "more" }, { frequency: "fewer" }); // { topics: ["yoga"], frequency: "fewer" }
 */
export function statedPrefs(profile: Prefs | undefined, own: Prefs | null | undefined): Prefs | undefined {
  if (!own) return profile;
  return { ...profile, ...own };
}

type Entered = Extract<ExperimentOutcome, { entered: true }>;

interface Claims extends Map<string, Entered> {
  /** Why the visitor is not in an experiment covering a slot, by experiment id. */
  notes?: Map<string, string>;
}

/** Assigns experiments in id order; an experiment whose slot another already claimed is skipped whole (no half-run multivariate test). */
function assignAll(m: CompiledManifest, slotIds: readonly string[], ctx: GateContext, input: DecideInput): Claims {
  const claims: Claims = new Map();
  if (m.experiments.length === 0) return claims;
  const wanted = input.slots ? new Set(slotIds) : undefined;
  for (const x of m.experiments) {
    if (wanted && !x.e.slots.some((s) => wanted.has(s))) continue;
    const out = assignExperiment(x, ctx.facts, input.unitId, ctx.personalize, input.allocation);
    if (!out.entered) {
      (claims.notes ??= new Map()).set(x.id, out.detail);
      continue;
    }
    const taken = x.e.slots.find((s) => claims.has(s));
    if (taken !== undefined) {
      (claims.notes ??= new Map()).set(x.id, `experiment ${x.id} skipped: slot ${taken} already in experiment ${claims.get(taken)!.assignment.id}`);
      continue;
    }
    for (const s of x.e.slots) claims.set(s, out);
  }
  return claims;
}

/** Never written to: `decideByScore` copies the preamble it is given. */
const NO_NOTES: string[] = [];

function notes(slot: CompiledSlot, all: Map<string, string> | undefined): string[] {
  if (!all || slot.experiments.length === 0) return NO_NOTES;
  const out: string[] = [];
  for (const x of slot.experiments) {
    const n = all.get(x.id);
    if (n !== undefined) out.push(n);
  }
  return out;
}

/** The arm decides: holdout and control keep the default; a treatment still passes the timing, suppression and cap gates. */
function decideByExperiment(slot: CompiledSlot, claim: Entered, ctx: GateContext): Decision {
  const experiment: ExperimentAssignment = claim.assignment;
  const rejected: Rejection[] = [];
  const target = claim.arm === null ? null : (Object.hasOwn(claim.arm.variants, slot.id) ? claim.arm.variants[slot.id] : null) ?? null;
  for (const cv of slot.variants) {
    if (cv.v.id !== target) rejected.push({ variant: cv.v.id, reason: "experiment", detail: `slot decided by ${claim.detail}` });
  }
  if (claim.arm === null) {
    return { slot: slot.id, variant: null, html: null, experiment, reasons: [`${claim.detail}: default content, measured`], rejected };
  }
  if (target === null) {
    return { slot: slot.id, variant: null, html: null, experiment, reasons: [`${claim.detail} is the control here: default content`], rejected };
  }
  const cv = slot.byId.get(target);
  if (!cv) {
    return { slot: slot.id, variant: null, html: null, experiment, reasons: [`${claim.detail} names unknown variant ${target}: default content`], rejected };
  }
  // Audience belongs to the experiment; timing, suppression and caps still protect the visitor.
  const gate = firstFailure(cv, ctx, [timingGate, suppressionGate, capGate]);
  if (gate) {
    rejected.push({ variant: cv.v.id, reason: gate.reason, detail: gate.detail });
    return { slot: slot.id, variant: null, html: null, experiment, reasons: [`${claim.detail}: variant ${cv.v.id} ${gate.reason} (${gate.detail}); default content`], rejected };
  }
  return { slot: slot.id, variant: cv.v.id, ...fragment(cv, ctx), experiment, reasons: [claim.detail], rejected };
}

type GateFn = (cv: CompiledVariant, ctx: GateContext) => { ok: true } | { ok: false; reason: Rejection["reason"]; detail: string };

function firstFailure(cv: CompiledVariant, ctx: GateContext, gates: readonly GateFn[]): Extract<ReturnType<GateFn>, { ok: false }> | undefined {
  for (const g of gates) {
    const r = g(cv, ctx);
    if (!r.ok) return r;
  }
  return undefined;
}

/**
 * The slot's variant by score, fast: the same winner as `decideByScore`, whose full evaluation
 * backs the decision's `reasons` and `rejected` when (and only when) they are read.
 */
function pickByScore(slot: CompiledSlot, ctx: GateContext, preamble: string[], hasUnit: boolean): Decision {
  // "Fewer promotions": a promotional variant only when no other is eligible.
  let best = ctx.fewer ? pick(slot.rankedPlain, ctx) : pick(slot.ranked, ctx);
  if (ctx.fewer && best === undefined) best = pick(slot.rankedPromo, ctx);
  const why: Why = { slot, ctx, preamble, hasUnit };
  if (best === undefined) return new ExplainedLater(slot.id, null, null, undefined, why);
  // The fast pick hands renderers final HTML too: the placeholders filled, as decideByScore does.
  const chosen = fragment(best.cv, ctx);
  const d = new ExplainedLater(slot.id, best.cv.v.id, chosen.html, best.score, why);
  if (chosen.filled) d.filled = true;
  return d;
}

/**
 * The best eligible candidate: highest score, ties to the one listed first. Candidates come
 * best priority first, so the walk ends once the best score so far is above all that the rest
 * can reach (`restBound`).
 */
function pick(r: Ranked, ctx: GateContext): { cv: CompiledVariant; score: number } | undefined {
  const { candidates, index, restBound } = r;
  const prefs = ctx.facts.prefs;
  let best: CompiledVariant | undefined;
  let bestScore = 0;
  let bestIndex = 0;
  for (let i = 0; i < candidates.length; i++) {
    if (best !== undefined && restBound[i]! < bestScore) break;
    const cv = candidates[i]!;
    if (!passesGates(cv, ctx)) continue;
    const score = scoreVariant(cv.v, prefs, ctx.facts.snapshot, ctx.personalize).score;
    if (best === undefined || score > bestScore || (score === bestScore && index[i]! < bestIndex)) {
      best = cv;
      bestScore = score;
      bestIndex = index[i]!;
    }
  }
  return best === undefined ? undefined : { cv: best, score: bestScore };
}

/**
 * A decision whose `reasons` and `rejected` are worded on first read, by the full evaluation
 * (memoized). A class, not a literal with getters: this is made for every slot of every page,
 * and a literal's accessors cost a microsecond each time (closures and accessor pairs).
 * `toJSON` keeps what JSON sees the same as a plain decision; a spread (`{ ...d }`) sees only
 * the own fields (`slot`, `variant`, `html`, `score`), so name `reasons` and `rejected` in it.
 */
/** What the full evaluation of one slot needs. */
interface Why {
  slot: CompiledSlot;
  ctx: GateContext;
  preamble: string[];
  hasUnit: boolean;
}

class ExplainedLater implements Decision {
  slot: string;
  variant: string | null;
  html: string | null;
  declare score?: number;
  declare filled?: true;
  #why: Why | undefined;
  #reasons: string[] | undefined;
  #rejected: Rejection[] | undefined;

  constructor(slot: string, variant: string | null, html: string | null, score: number | undefined, why: Why) {
    this.slot = slot;
    this.variant = variant;
    this.html = html;
    if (score !== undefined) this.score = score;
    this.#why = why;
  }

  #settle(): void {
    const why = this.#why;
    if (why === undefined) return;
    this.#why = undefined;
    const d = decideByScore(why.slot, why.ctx, why.preamble, why.hasUnit);
    this.#reasons ??= d.reasons;
    this.#rejected ??= d.rejected;
  }

  get reasons(): string[] {
    this.#settle();
    return this.#reasons!;
  }
  set reasons(value: string[]) {
    this.#reasons = value;
  }
  get rejected(): Rejection[] {
    this.#settle();
    return this.#rejected!;
  }
  set rejected(value: Rejection[]) {
    this.#rejected = value;
  }

  toJSON(): Decision {
    const out: Decision = { slot: this.slot, variant: this.variant, html: this.html, reasons: this.reasons, rejected: this.rejected };
    if (this.score !== undefined) out.score = this.score;
    if (this.filled) out.filled = true;
    return out;
  }
}

/** Every variant through its gates, then the best score among the eligible. */
function decideByScore(slot: CompiledSlot, ctx: GateContext, preamble: string[], hasUnit: boolean): Decision {
  const rejected: Rejection[] = [];
  const eligible: CompiledVariant[] = [];
  let anyNonPromotional = false;
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
    if (!cv.v.promotional) anyNonPromotional = true;
  }

  // "Fewer promotions": promotional variants only when nothing else is eligible.
  let pool = eligible;
  if (ctx.fewer && anyNonPromotional) {
    pool = [];
    for (const cv of eligible) {
      if (cv.v.promotional) rejected.push({ variant: cv.v.id, reason: "frequency", detail: "the visitor asked for fewer promotions and a non-promotional variant is eligible" });
      else pool.push(cv);
    }
  }

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

/** The chosen variant's HTML, its placeholders filled from the same consent-filtered facts the gates read. */
function fragment(cv: CompiledVariant, ctx: GateContext): { html: string; filled?: true } {
  return cv.template ? { html: fillTemplate(cv.template, ctx.facts), filled: true } : { html: cv.v.html };
}
