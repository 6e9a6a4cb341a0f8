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
 * Step 5 by score runs twice over, once fast, once in full: the pick (`pickByScore`, fast-pick.ts) walks the
 * slot's candidates best priority first and stops as soon as no later one can outscore the best
 * eligible so far, wording nothing; the full evaluation (`decideByScore`, full-evaluation.ts: every variant, every
 * rejection worded, the score arithmetic) runs only when the decision's `reasons` or `rejected`
 * are read (explain, preview, /decide for editors, the visitor's "why" after the response).
 * Both pick the same variant (test/node/engine/fast-pick.test.ts).
 */
import type { Decision, DecideInput, DecideResult, Prefs } from "./types.ts";
import { makeFacts, type Facts } from "./attributes.ts";
import { compileManifest, type CompiledManifest, type CompiledSlot } from "./compile.ts";
import { assignExperiment, inGlobalHoldout, type Entered } from "./experiments.ts";
import { promotionsWithheld, type GateContext } from "./eligibility.ts";
import { fillTemplate } from "./placeholders.ts";
import { pickByArm, pickByScore } from "./fast-pick.ts";
import { decideByScore } from "./full-evaluation.ts";
import { decideByExperiment } from "./arm-evaluation.ts";

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
  return decideWith(input, FAST);
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
  return decideWith(input, FULL);
}

/** How a slot is decided by score, and by an experiment's arm: fast (worded when read) or in full. */
interface Deciders {
  byScore(slot: CompiledSlot, ctx: GateContext, preamble: string[], hasUnit: boolean): Decision;
  byArm(slot: CompiledSlot, claim: Entered, ctx: GateContext): Decision;
}

const FAST: Deciders = { byScore: pickByScore, byArm: pickByArm };
const FULL: Deciders = { byScore: decideByScore, byArm: decideByExperiment };

function decideWith(input: DecideInput, how: Deciders): DecideResult {
  // 1. Compile once per published manifest.
  const m = compileManifest(input.manifest);

  // 2. Consent: the caller's policy, never against a signed profile that says no.
  const { facts, personalize, prefs } = factsOf(input, m);
  const ctx: GateContext = {
    facts,
    personalize,
    // A stated preference: honoured with or without personalization consent.
    fewer: prefs?.frequency === "fewer",
    policy: m.policy,
    noPromotions: promotionsWithheld(facts, m.policy),
  };
  const slotIds = input.slots ?? m.slotIds;
  const manifestVersion = input.manifest.version;

  // 3. Global holdout.
  const global = inGlobalHoldout(m.holdout, input.unitId);
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

  // 5. Each slot (the compiled list when the caller names none: no lookup by id).
  const hasUnit = input.unitId !== null;
  const decisions: Decision[] = [];
  const n = input.slots ? input.slots.length : m.slotList.length;
  for (let k = 0; k < n; k++) {
    const slot = input.slots ? m.slots.get(input.slots[k]!) : m.slotList[k]!;
    if (!slot) {
      decisions.push({ slot: input.slots![k]!, variant: null, html: null, reasons: ["slot not in the manifest: default content"], rejected: [] });
      continue;
    }
    // Only a slot some running experiment covers can be claimed.
    const claim = slot.experiments.length > 0 ? claims.get(slot.id) : undefined;
    decisions.push(claim ? how.byArm(slot, claim, ctx) : how.byScore(slot, ctx, notes(slot, claims.notes), hasUnit));
  }
  return { decisions, holdout: false, manifestVersion };
}

/** Every gate, rule, score and placeholder reads these facts, filtered by consent in this one place. */
function factsOf(input: DecideInput, m: CompiledManifest): { facts: Facts; personalize: boolean; prefs: Prefs | undefined } {
  const personalize = input.consent.personalize && input.profile?.consent?.personalize !== false;
  const prefs = statedPrefs(input.profile?.prefs, input.statedPrefs);
  const facts = makeFacts({ profile: input.profile, context: input.context, snapshot: input.snapshot, now: input.now, prefs, personalize, memo: m.memo });
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
  const m = compileManifest(input.manifest);
  const cv = m.slots.get(slotId)?.byId.get(variantId);
  if (!cv) return undefined;
  return cv.template ? { html: fillTemplate(cv.template, factsOf(input, m).facts), filled: true } : { html: cv.v.html };
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
