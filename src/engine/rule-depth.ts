/**
 * The nesting cap, checked before anything recurses into a rule. The rule schema (valibot's
 * `lazy`), the validator, the compiler and the explainer all recurse one call per level: a
 * rule nested 2,000 `all` or 3,000 `not` deep would overflow the stack in any of them. This
 * walk is iterative, stops descending at the cap, and runs on the raw input (before the
 * schema), so such a rule costs at most MAX_RULE_DEPTH steps and is refused as what it is.
 *
 * Depth counts as the validator counts it: the rule itself is level 1, each `all`, `any` or
 * `not` adds one (segments are expanded and counted later, by `validateRule`).
 *
 * @example
 * ruleDepthIssues({ segments: { deep: { not: { not: { … } } } } });
 * // [{ code: "too-deep", path: ["segments", "deep", "not", …], message: "rule nested deeper than 8 levels …" }]
 */
import { MAX_RULE_DEPTH, type RuleIssue } from "./rule-validator.ts";

type Path = (string | number)[];

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

/** Where a manifest holds rules: every segment, variant audience and suppressWhen, experiment audience. */
function rulePositions(manifest: unknown): Array<{ rule: unknown; path: Path }> {
  const out: Array<{ rule: unknown; path: Path }> = [];
  if (!isRecord(manifest)) return out;
  const { segments, slots, experiments } = manifest;
  if (isRecord(segments)) for (const [id, rule] of Object.entries(segments)) out.push({ rule, path: ["segments", id] });
  if (isRecord(slots)) {
    for (const [id, slot] of Object.entries(slots)) {
      const variants = isRecord(slot) ? slot.variants : undefined;
      if (!Array.isArray(variants)) continue;
      variants.forEach((variant: unknown, i) => {
        if (!isRecord(variant)) return;
        for (const key of ["audience", "suppressWhen"] as const) {
          if (variant[key] !== undefined) out.push({ rule: variant[key], path: ["slots", id, "variants", i, key] });
        }
      });
    }
  }
  if (isRecord(experiments)) {
    for (const [id, e] of Object.entries(experiments)) if (isRecord(e) && e.audience !== undefined) out.push({ rule: e.audience, path: ["experiments", id, "audience"] });
  }
  return out;
}

/**
 * The first place one rule passes `maxDepth`, or null. Iterative; never looks past the cap.
 *
 * @example
 * deepestPoint({ not: { not: { attr: "context.path", eq: "/" } } }, [], 2); // ["not", "not"]
 */
export function deepestPoint(rule: unknown, path: Path, maxDepth: number = MAX_RULE_DEPTH): Path | null {
  const stack: Array<{ node: unknown; path: Path; depth: number }> = [{ node: rule, path, depth: 1 }];
  while (stack.length > 0) {
    const { node, path: at, depth } = stack.pop()!;
    if (!isRecord(node)) continue;
    if (depth > maxDepth) return at;
    // Only the combinators nest rules; a condition or a segment reference ends here.
    for (const key of ["all", "any"] as const) {
      const list = node[key];
      if (!Array.isArray(list)) continue;
      // Reverse, so the first item is looked at first (the reported path is the first in reading order).
      for (let i = list.length - 1; i >= 0; i--) stack.push({ node: list[i], path: [...at, key, i], depth: depth + 1 });
    }
    if ("not" in node) stack.push({ node: node.not, path: [...at, "not"], depth: depth + 1 });
  }
  return null;
}

/**
 * Every rule of a raw manifest (as sent or compiled, before the schema) nested past the cap,
 * one issue per rule, at the first level past it.
 *
 * @example
 * const deep = ruleDepthIssues(body.manifest);
 * if (deep.length) throw new InvalidManifest("rule nested too deep", deep); // 422, before valibot sees it
 */
export function ruleDepthIssues(manifest: unknown, maxDepth: number = MAX_RULE_DEPTH): RuleIssue[] {
  const issues: RuleIssue[] = [];
  for (const { rule, path } of rulePositions(manifest)) {
    const at = deepestPoint(rule, path, maxDepth);
    if (at) issues.push({ code: "too-deep", path: at, message: `rule nested deeper than ${maxDepth} levels (all, any and not each add one)` });
  }
  return issues;
}
