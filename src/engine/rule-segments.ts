/**
 * The named segments a rule refers to, in the order written (each once), at most `max`: what
 * the performance view breaks a targeted variant's numbers down by.
 *
 * @example
 * ruleSegments({ any: [{ segment: "gold" }, { all: [{ segment: "new-customer" }, { attr: "context.device", eq: "mobile" }] }] });
 * // ["gold", "new-customer"]
 */
import type { RuleShape } from "./schema.ts";

export const MAX_RULE_SEGMENTS = 5;

export function ruleSegments(rule: RuleShape | undefined, max = MAX_RULE_SEGMENTS): string[] {
  const out: string[] = [];
  // Iterative: published rules are depth-capped, but nothing here needs to recurse.
  const stack: RuleShape[] = rule ? [rule] : [];
  while (stack.length > 0 && out.length < max) {
    const r = stack.pop()!;
    if ("segment" in r) {
      if (!out.includes(r.segment)) out.push(r.segment);
    } else if ("all" in r) stack.push(...[...r.all].reverse());
    else if ("any" in r) stack.push(...[...r.any].reverse());
    else if ("not" in r) stack.push(r.not);
  }
  return out;
}
