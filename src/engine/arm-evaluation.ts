/**
 * A slot an experiment claimed, decided in full: the arm's variant (holdout and control keep the
 * default), every other variant and any failed gate worded. What `decideInFull` returns, and what
 * backs a fast arm decision's `reasons` and `rejected` (fast-pick.ts `pickByArm`) when they are read.
 */
import type { Decision, ExperimentAssignment, Rejection } from "./types.ts";
import type { CompiledSlot, CompiledVariant } from "./compile.ts";
import type { Entered } from "./experiments.ts";
import { capGate, suppressionGate, timingGate, type GateContext } from "./eligibility.ts";
import { fragment } from "./fragment.ts";

/**
 * The variant the visitor's arm names for this slot; null for holdout, control, or an arm silent about the slot.
 *
 * @example
 * armTarget(slot, claim); // "v18"
 */
export function armTarget(slot: CompiledSlot, claim: Entered): string | null {
  if (claim.arm === null) return null;
  return (Object.hasOwn(claim.arm.variants, slot.id) ? claim.arm.variants[slot.id] : null) ?? null;
}

/** The arm decides: holdout and control keep the default; a treatment still passes the timing, suppression and cap gates. */
export function decideByExperiment(slot: CompiledSlot, claim: Entered, ctx: GateContext): Decision {
  const experiment: ExperimentAssignment = claim.assignment;
  const rejected: Rejection[] = [];
  const target = armTarget(slot, claim);
  for (const cv of slot.variants) {
    if (cv.id !== target) rejected.push({ variant: cv.id, reason: "experiment", detail: `slot decided by ${claim.detail}` });
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
  const gate = firstFailure(cv, ctx, ARM_GATES);
  if (gate) {
    rejected.push({ variant: cv.id, reason: gate.reason, detail: gate.detail });
    return { slot: slot.id, variant: null, html: null, experiment, reasons: [`${claim.detail}: variant ${cv.id} ${gate.reason} (${gate.detail}); default content`], rejected };
  }
  return { slot: slot.id, variant: cv.id, ...fragment(cv, ctx), experiment, reasons: [claim.detail], rejected };
}

type GateFn = (cv: CompiledVariant, ctx: GateContext) => { ok: true } | { ok: false; reason: Rejection["reason"]; detail: string };

/** Audience belongs to the experiment; these still protect the visitor. */
const ARM_GATES: readonly GateFn[] = [timingGate, suppressionGate, capGate];

function firstFailure(cv: CompiledVariant, ctx: GateContext, gates: readonly GateFn[]): Extract<ReturnType<GateFn>, { ok: false }> | undefined {
  for (const g of gates) {
    const r = g(cv, ctx);
    if (!r.ok) return r;
  }
  return undefined;
}
