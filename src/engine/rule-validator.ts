/**
 * Publish-time validation of rules, with errors that carry a JSON path (the admin API
 * answers 422 with it; the CLI turns it into file:line:field): known attributes and
 * segments, one operator per condition, an operator that fits the attribute's type, enum
 * values, usable regular expressions, no segment cycles, and the nesting cap with segments
 * expanded.
 */
import type { Condition, RuleShape } from "./schema.ts";
import { OPERATORS } from "./schema.ts";
import { checkPattern } from "../match/pattern.ts";
import { ATTRIBUTES, resolveAttribute } from "./attributes.ts";
import { closest } from "./did-you-mean.ts";

/** Deeper rules are hard to read and to review; segments count at their expanded depth. */
export const MAX_RULE_DEPTH = 8;

export type RuleIssueCode =
  | "unknown-attribute"
  | "unknown-segment"
  | "segment-cycle"
  | "too-deep"
  | "operator"
  | "bad-regex"
  | "type";

/** One problem in a rule; `path` is a JSON path into the manifest (or the file) for file:line:field. */
export interface RuleIssue {
  code: RuleIssueCode;
  path: (string | number)[];
  message: string;
}

type Path = (string | number)[];

const NUMERIC_OPS = new Set(["gt", "gte", "lt", "lte", "between"]);
const ATTRIBUTE_NAMES = ATTRIBUTES.map((a) => a.name.replace(".<key>", ".*"));

/** " (did you mean x?)" for a close name, else "". */
function suggest(name: string, candidates: readonly string[]): string {
  const best = closest(name, candidates);
  return best === undefined ? "" : ` (did you mean ${best}?)`;
}

/**
 * Validates a rule: known attributes and segments, one operator per condition, operator
 * fits the attribute's type, enum values, regexes, and depth (segments expanded).
 *
 * @example
 * validateRule({ all: [{ attr: "profile.teir", eq: "gold" }] }, { segments: {}, path: ["slots", "hero", "variants", 0, "audience"] });
 * // [{ code: "unknown-attribute", path: [..., "audience", "all", 0, "attr"], message: "unknown attribute 'profile.teir' (did you mean profile.tier?)" }]
 */
export function validateRule(
  rule: RuleShape,
  opts: { segments: Readonly<Record<string, RuleShape>>; path: (string | number)[]; maxDepth?: number },
): RuleIssue[] {
  const walker = new RuleWalker(opts.segments, opts.maxDepth ?? MAX_RULE_DEPTH);
  walker.walk(rule, opts.path, 1, [], true);
  return walker.issues;
}

/** One validation: the issues found, and each segment's expanded depth and cycle, worked out once. */
class RuleWalker {
  readonly issues: RuleIssue[] = [];
  readonly #segments: Readonly<Record<string, RuleShape>>;
  readonly #maxDepth: number;
  readonly #expanded = new Map<string, { depth: number; cycle: string | undefined }>();
  #foundCycle: string | undefined;

  constructor(segments: Readonly<Record<string, RuleShape>>, maxDepth: number) {
    this.#segments = segments;
    this.#maxDepth = maxDepth;
  }

  /** The expanded depth of `node`; reports issues (when `report`) with paths relative to where the rule is written. */
  walk(node: RuleShape, path: Path, depth: number, stack: string[], report: boolean): number {
    if (depth > this.#maxDepth) {
      if (report) this.issues.push({ code: "too-deep", path, message: `rule nested deeper than ${this.#maxDepth} levels (segments count at their own depth)` });
      return depth;
    }
    if (typeof node !== "object" || node === null) {
      if (report) this.issues.push({ code: "operator", path, message: "a rule is an object: all, any, not, segment or a condition" });
      return depth;
    }
    if ("all" in node || "any" in node) {
      const key = "all" in node ? "all" : "any";
      const list = (node as Record<string, RuleShape[]>)[key] ?? [];
      let max = depth;
      list.forEach((r, i) => {
        max = Math.max(max, this.walk(r, [...path, key, i], depth + 1, stack, report));
      });
      return max;
    }
    if ("not" in node) return this.walk(node.not, [...path, "not"], depth + 1, stack, report);
    if ("segment" in node) return this.#walkSegment(node.segment, [...path, "segment"], depth, stack, report);
    checkCondition(node as Condition, path, report ? this.issues : []);
    return depth;
  }

  #walkSegment(id: string, path: Path, depth: number, stack: string[], report: boolean): number {
    if (!Object.hasOwn(this.#segments, id)) {
      if (report) this.issues.push({ code: "unknown-segment", path, message: `unknown segment '${id}'${suggest(id, Object.keys(this.#segments))}` });
      return depth;
    }
    if (stack.includes(id)) {
      const cycle = `segment cycle: ${[...stack, id].join(" → ")}`;
      if (report) this.issues.push({ code: "segment-cycle", path, message: cycle });
      else this.#foundCycle ??= cycle;
      return depth;
    }
    // The segment's own problems are reported at the segment; here only its depth and cycles count.
    const inner = this.#expand(id, stack);
    if (report && inner.cycle !== undefined) {
      this.issues.push({ code: "segment-cycle", path, message: inner.cycle });
      return depth;
    }
    const total = depth + inner.depth;
    if (total > this.#maxDepth && report) {
      this.issues.push({ code: "too-deep", path, message: `segment '${id}' expands this rule past ${this.#maxDepth} levels` });
    }
    return total;
  }

  /** A segment's own depth and the first cycle through it, walked once per validation. */
  #expand(id: string, stack: string[]): { depth: number; cycle: string | undefined } {
    let inner = this.#expanded.get(id);
    if (inner === undefined) {
      const outer = this.#foundCycle;
      this.#foundCycle = undefined;
      const d = this.walk(this.#segments[id]!, [], 0, [...stack, id], false);
      inner = { depth: d, cycle: this.#foundCycle };
      this.#foundCycle = outer ?? this.#foundCycle;
      this.#expanded.set(id, inner);
    } else if (inner.cycle !== undefined) {
      this.#foundCycle ??= inner.cycle;
    }
    return inner;
  }
}
function checkCondition(c: Condition, path: (string | number)[], issues: RuleIssue[]): void {
  const ops = OPERATORS.filter((op) => (c as Record<string, unknown>)[op] !== undefined);
  if (ops.length !== 1) {
    issues.push({ code: "operator", path, message: `a condition needs exactly one operator (${OPERATORS.join(", ")}); found ${ops.length ? ops.join(", ") : "none"}` });
    return;
  }
  const op = ops[0]!;
  const attr = typeof c.attr === "string" ? resolveAttribute(c.attr) : undefined;
  if (!attr) {
    issues.push({ code: "unknown-attribute", path: [...path, "attr"], message: `unknown attribute '${String(c.attr)}'${suggest(String(c.attr), ATTRIBUTE_NAMES)}` });
    return;
  }
  const { type, values } = attr.def;
  // Numeric operators need numbers; free-text attributes (site attrs, query) may carry them as text.
  if (NUMERIC_OPS.has(op) && (type === "boolean" || type === "string[]" || values !== undefined)) {
    issues.push({ code: "type", path: [...path, op], message: `'${op}' compares numbers; ${attr.def.name} is ${values ? values.join(" | ") : type}` });
  }
  if (op === "between") {
    const [lo, hi] = c.between!;
    if (lo > hi) issues.push({ code: "type", path: [...path, "between"], message: `between [${lo}, ${hi}] is empty: the first bound is the lower one` });
  }
  if (op === "matches") {
    const why = checkPattern(c.matches!);
    if (why) issues.push({ code: "bad-regex", path: [...path, "matches"], message: `not a usable regular expression: ${why}` });
  }
  if (values && (op === "eq" || op === "ne" || op === "in" || op === "nin")) {
    const operands = op === "in" || op === "nin" ? (c[op] ?? []) : [c[op]!];
    operands.forEach((o, i) => {
      if (!values.includes(String(o))) {
        issues.push({
          code: "type",
          path: op === "in" || op === "nin" ? [...path, op, i] : [...path, op],
          message: `${attr.def.name} is one of ${values.join(", ")}; '${String(o)}' never matches`,
        });
      }
    });
  }
  const shape = attr.def.shape;
  if (shape && (op === "eq" || op === "ne" || op === "in" || op === "nin")) {
    const operands = op === "in" || op === "nin" ? (c[op] ?? []) : [c[op]!];
    operands.forEach((o, i) => {
      if (!shape.pattern.test(String(o))) {
        issues.push({ code: "type", path: op === "in" || op === "nin" ? [...path, op, i] : [...path, op], message: `${attr.def.name} is ${shape.says}; '${String(o)}' never matches` });
      }
    });
  }
  if (type === "boolean" && (op === "eq" || op === "ne") && typeof c[op] !== "boolean") {
    issues.push({ code: "type", path: [...path, op], message: `${attr.def.name} is true or false` });
  }
}
