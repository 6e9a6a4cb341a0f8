import type { GateContext } from "./eligibility.ts";
import type { CompiledVariant } from "./compile.ts";
import { fillTemplate } from "./placeholders.ts";

/** The chosen variant's HTML, its placeholders filled from the same consent-filtered facts the gates read. */
export function fragment(cv: CompiledVariant, ctx: GateContext): { html: string; filled?: true } {
  return cv.template ? { html: fillTemplate(cv.template, ctx.facts), filled: true } : { html: cv.v.html };
}
