/**
 * What the rewriter (or the template splicer) puts in each slot: a decision's variant and its
 * experiment tag. Slots the decision leaves at their default are absent.
 *
 * @example
 * rewriteSlots(res, rendersOf(result), { checkMetaCharset: true });
 */
import type { DecideResult } from "../engine/types.ts";
import type { SlotRender } from "../rewrite/types.ts";

export function rendersOf(result: DecideResult): Map<string, SlotRender> {
  const renders = new Map<string, SlotRender>();
  for (const d of result.decisions) {
    if (d.variant === null || d.html === null) continue;
    const render: SlotRender = { variant: d.variant, html: d.html };
    if (d.experiment) render.experiment = `${d.experiment.id}:${d.experiment.arm}`;
    if (d.filled) render.filled = true;
    renders.set(d.slot, render);
  }
  return renders;
}
