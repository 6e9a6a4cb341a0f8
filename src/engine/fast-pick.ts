/**
 * A slot decided by score, fast: its candidates walked best priority first, the walk stopped as
 * soon as no later one can outscore the best eligible so far, nothing worded. The same winner as
 * the full evaluation (full-evaluation.ts, test/node/engine/fast-pick.test.ts), which words the
 * decision's `reasons` and `rejected` only when they are read.
 */
import type { Decision, Rejection } from "./types.ts";
import type { CompiledSlot, CompiledVariant, Ranked } from "./compile.ts";
import { passesGates, type GateContext } from "./eligibility.ts";
import { scoreVariant } from "./scoring.ts";
import { decideByScore } from "./full-evaluation.ts";
import { fragment } from "./fragment.ts";

/**
 * The slot's variant by score, fast: the same winner as `decideByScore`, whose full evaluation
 * backs the decision's `reasons` and `rejected` when (and only when) they are read.
 */
export function pickByScore(slot: CompiledSlot, ctx: GateContext, preamble: string[], hasUnit: boolean): Decision {
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
