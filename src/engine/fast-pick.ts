/**
 * A slot decided by score, fast: its candidates walked best priority first, the walk stopped as
 * soon as no later one can outscore the best eligible so far, nothing worded. The same winner as
 * the full evaluation (full-evaluation.ts, test/node/engine/fast-pick.test.ts), which words the
 * decision's `reasons` and `rejected` only when they are read.
 */
import type { Decision, ExperimentAssignment, Rejection } from "./types.ts";
import type { CompiledSlot, CompiledVariant, Ranked } from "./compile.ts";
import type { Entered } from "./experiments.ts";
import { passesArmGates, passesGates, type GateContext } from "./eligibility.ts";
import { scoreOf } from "./scoring.ts";
import { decideByScore } from "./full-evaluation.ts";
import { armTarget, decideByExperiment } from "./arm-evaluation.ts";
import { fillTemplate } from "./placeholders.ts";
import { memoRule } from "./request-memo.ts";

/**
 * The slot's variant by score, fast: the same winner as `decideByScore`, whose full evaluation
 * backs the decision's `reasons` and `rejected` when (and only when) they are read.
 */
export function pickByScore(slot: CompiledSlot, ctx: GateContext, preamble: string[], hasUnit: boolean): Decision {
  // "Fewer promotions": a promotional variant only when no other is eligible.
  let best = ctx.fewer ? pick(slot.rankedPlain, ctx) : pick(slot.ranked, ctx);
  if (ctx.fewer && best === undefined) best = pick(slot.rankedPromo, ctx);
  if (best === undefined) return new ExplainedLater(slot, ctx, preamble, hasUnit, undefined, null, null, undefined, false);
  // The fast pick hands renderers final HTML too: the placeholders filled, as decideByScore does.
  const t = best.template;
  return new ExplainedLater(slot, ctx, preamble, hasUnit, undefined, best.id, t ? fillTemplate(t, ctx.facts) : best.html, picked, t !== undefined);
}

/**
 * A slot an experiment claimed, fast: the arm's variant when it passes the gates that still hold
 * (timing, suppression, cap), else the default; the same as `decideByExperiment`
 * (arm-evaluation.ts), which words `reasons` and `rejected` when they are read.
 */
export function pickByArm(slot: CompiledSlot, claim: Entered, ctx: GateContext): Decision {
  const target = armTarget(slot, claim);
  const cv = target === null ? undefined : slot.byId.get(target);
  if (cv === undefined || !passesArmGates(cv, ctx)) return new ExplainedLater(slot, ctx, NO_PREAMBLE, true, claim, null, null, undefined, false);
  const t = cv.template;
  return new ExplainedLater(slot, ctx, NO_PREAMBLE, true, claim, cv.id, t ? fillTemplate(t, ctx.facts) : cv.html, undefined, t !== undefined);
}

/** An arm decision has no preamble (never written to). */
const NO_PREAMBLE: string[] = [];

/** The winning score of the last `pick`: handed over outside the return value, so nothing is allocated per slot. */
let picked = 0;

/**
 * The best eligible candidate (its score left in `picked`): highest score, ties to the one listed
 * first. Candidates come best priority first, so the walk ends once the best score so far is
 * above all that the rest can reach (`restBound`), and skips one that cannot reach it (`bound`).
 * Gated before scored: most candidates a walk meets fail a gate, and the gates' shared rules are
 * memoized per request (measured: scoring first cost more than the gates it saved).
 */
function pick(r: Ranked, ctx: GateContext): CompiledVariant | undefined {
  const { candidates, index, restBound, bound, audienceMemo, personal } = r;
  const f = ctx.facts;
  let best: CompiledVariant | undefined;
  let bestScore = 0;
  let bestIndex = 0;
  for (let i = 0; i < candidates.length; i++) {
    if (best !== undefined) {
      if (restBound[i]! < bestScore) break;
      if (bound[i]! < bestScore) continue;
    }
    // Most candidates fail an audience whose answer is already in the memo: skip them from the
    // ranked list's own arrays, without loading the variant.
    const am = audienceMemo[i]!;
    if (am >= 0 && ((personal[i] === 1 && !ctx.personalize) || memoRule(f.memo, f.stamp, am) === 1)) continue;
    const cv = candidates[i]!;
    if (!passesGates(cv, ctx)) continue;
    const score = scoreOf(cv, f, ctx.personalize);
    if (best !== undefined && (score < bestScore || (score === bestScore && index[i]! > bestIndex))) continue;
    best = cv;
    bestScore = score;
    bestIndex = index[i]!;
  }
  picked = bestScore;
  return best;
}

/**
 * A decision whose `reasons` and `rejected` are worded on first read, by the full evaluation
 * (memoized). A class, not a literal with getters: this is made for every slot of every page,
 * and a literal's accessors cost a microsecond each time (closures and accessor pairs); what
 * the full evaluation needs is kept in private fields (no second object per slot).
 * `toJSON` keeps what JSON sees the same as a plain decision; a spread (`{ ...d }`) sees only
 * the own fields (`slot`, `variant`, `html`, `score`, `filled`, `experiment`), so name `reasons`
 * and `rejected` in it. Made by the pick by score and by an experiment's arm alike.
 */
class ExplainedLater implements Decision {
  slot: string;
  variant: string | null;
  html: string | null;
  declare score?: number;
  declare filled?: true;
  declare experiment?: ExperimentAssignment;
  #of: CompiledSlot | undefined;
  /** Set when an experiment's arm decided the slot (worded by `decideByExperiment`). */
  readonly #claim: Entered | undefined;
  readonly #ctx: GateContext;
  readonly #preamble: string[];
  readonly #hasUnit: boolean;
  #reasons: string[] | undefined;
  #rejected: Rejection[] | undefined;

  constructor(
    of: CompiledSlot,
    ctx: GateContext,
    preamble: string[],
    hasUnit: boolean,
    claim: Entered | undefined,
    variant: string | null,
    html: string | null,
    score: number | undefined,
    filled: boolean,
  ) {
    this.slot = of.id;
    this.variant = variant;
    this.html = html;
    this.#of = of;
    this.#ctx = ctx;
    this.#preamble = preamble;
    this.#hasUnit = hasUnit;
    this.#claim = claim;
    this.#reasons = undefined;
    this.#rejected = undefined;
    if (score !== undefined) this.score = score;
    if (filled) this.filled = true;
    if (claim) this.experiment = claim.assignment;
  }

  #settle(): void {
    const of = this.#of;
    if (of === undefined) return;
    this.#of = undefined;
    const d = this.#claim ? decideByExperiment(of, this.#claim, this.#ctx) : decideByScore(of, this.#ctx, this.#preamble, this.#hasUnit);
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
    if (this.experiment) out.experiment = this.experiment;
    return out;
  }
}
