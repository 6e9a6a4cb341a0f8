/**
 * A slot decided by score, fast: its candidates walked best priority first, the walk stopped as
 * soon as no later one can outscore the best eligible so far, nothing worded. The same winner as
 * the full evaluation (full-evaluation.ts, test/node/engine/fast-pick.test.ts), which words the
 * decision's `reasons` and `rejected` only when they are read.
 */
import type { Decision, Rejection } from "./types.ts";
import type { CompiledSlot, CompiledVariant, Ranked } from "./compile.ts";
import { passesGates, type GateContext } from "./eligibility.ts";
import { scoreOf } from "./scoring.ts";
import { decideByScore } from "./full-evaluation.ts";
import { fillTemplate } from "./placeholders.ts";

/**
 * The slot's variant by score, fast: the same winner as `decideByScore`, whose full evaluation
 * backs the decision's `reasons` and `rejected` when (and only when) they are read.
 */
export function pickByScore(slot: CompiledSlot, ctx: GateContext, preamble: string[], hasUnit: boolean): Decision {
  // "Fewer promotions": a promotional variant only when no other is eligible.
  let best = ctx.fewer ? pick(slot.rankedPlain, ctx) : pick(slot.ranked, ctx);
  if (ctx.fewer && best === undefined) best = pick(slot.rankedPromo, ctx);
  if (best === undefined) return new ExplainedLater(slot, ctx, preamble, hasUnit, null, null, undefined, false);
  // The fast pick hands renderers final HTML too: the placeholders filled, as decideByScore does.
  const t = best.template;
  return new ExplainedLater(slot, ctx, preamble, hasUnit, best.id, t ? fillTemplate(t, ctx.facts) : best.html, picked, t !== undefined);
}

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
  const { candidates, index, restBound, bound } = r;
  const f = ctx.facts;
  let best: CompiledVariant | undefined;
  let bestScore = 0;
  let bestIndex = 0;
  for (let i = 0; i < candidates.length; i++) {
    if (best !== undefined) {
      if (restBound[i]! < bestScore) break;
      if (bound[i]! < bestScore) continue;
    }
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
 * the own fields (`slot`, `variant`, `html`, `score`), so name `reasons` and `rejected` in it.
 */
class ExplainedLater implements Decision {
  slot: string;
  variant: string | null;
  html: string | null;
  declare score?: number;
  declare filled?: true;
  #of: CompiledSlot | undefined;
  readonly #ctx: GateContext;
  readonly #preamble: string[];
  readonly #hasUnit: boolean;
  #reasons: string[] | undefined;
  #rejected: Rejection[] | undefined;

  constructor(of: CompiledSlot, ctx: GateContext, preamble: string[], hasUnit: boolean, variant: string | null, html: string | null, score: number | undefined, filled: boolean) {
    this.slot = of.id;
    this.variant = variant;
    this.html = html;
    this.#of = of;
    this.#ctx = ctx;
    this.#preamble = preamble;
    this.#hasUnit = hasUnit;
    this.#reasons = undefined;
    this.#rejected = undefined;
    if (score !== undefined) this.score = score;
    if (filled) this.filled = true;
  }

  #settle(): void {
    const of = this.#of;
    if (of === undefined) return;
    this.#of = undefined;
    const d = decideByScore(of, this.#ctx, this.#preamble, this.#hasUnit);
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
