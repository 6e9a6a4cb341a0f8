/**
 * Step 4 of the page path: decide, purely, what fills each slot, from the gathered inputs
 * (src/pipeline/inputs.ts). An engine error never costs the page: it is logged, and the page
 * is the origin's. Also what the slot rewriter needs (`renders`) and, worded only after the
 * response, why each slot showed what it did (for /__p13n/me).
 *
 * @example
 * const page = decidePage(inputs, { now, path: url.pathname, timing, observe: (r) => observe(c)?.decided(r) });
 */
import { decide, statedPrefs } from "../engine/decide.ts";
import type { DecideResult } from "../engine/types.ts";
import { describeError } from "../errors.ts";
import { logEvent } from "../observability/log.ts";
import { plainReasons } from "./plain-reasons.ts";
import type { SlotRender } from "../rewrite/types.ts";
import type { ServerTiming } from "../timing.ts";
import type { LastPage } from "../visitor/disclosure.ts";
import type { Inputs } from "./inputs.ts";
import { rendersOf } from "./renders.ts";

export interface PageDecision {
  /** The engine's result; null when nothing was decided (no manifest, no consent mode, an engine error). */
  result: DecideResult | null;
  renders: Map<string, SlotRender>;
  /** Why each slot showed what it did, in plain words (worded lazily, after the response). */
  why: () => LastPage | null;
}

export function decidePage(inputs: Inputs, o: { now: number; path: string; timing: ServerTiming; observe?: (r: DecideResult) => void }): PageDecision {
  const none: PageDecision = { result: null, renders: new Map(), why: () => null };
  const input = inputs.input;
  if (!input) return none;
  const started = performance.now();
  let decided = none;
  try {
    const result = decide(input);
    o.observe?.(result);
    const { identity, state } = inputs;
    const used = { manifest: input.manifest, snapshot: state.snapshot, personalize: identity.consent.personalize };
    const why = () => plainReasons(o.path, o.now, { result, prefs: statedPrefs(identity.profile?.prefs, state.snapshot?.statedPrefs), ...used });
    decided = { result, renders: rendersOf(result), why };
  } catch (err) {
    logEvent("error", "decide", "DECIDE_FAILED", { error: describeError(err) });
  }
  o.timing.add("decide", performance.now() - started, decided.result === null ? "error" : undefined);
  return decided;
}
