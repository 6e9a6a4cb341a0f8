/**
 * The rule language: compile to closures (no eval: workerd forbids it and closures
 * are faster), evaluate, and validate at publish with errors that carry a JSON path.
 *
 * Semantics, for the README:
 * - `all: [...]` every rule holds (empty: true); `any: [...]` one holds (empty: false); `not: rule`.
 * - `segment: id` a named segment from the manifest's `segments`.
 * - A condition names `attr` and exactly one operator. An absent attribute fails every
 *   operator except `ne`, `nin` and `exists: false`.
 * - List attributes (`prefs.topics`, `prefs.channels`, `visitor.cart.skus`): `eq`/`contains`
 *   test membership, `in` any overlap, `ne`/`nin` none; string operators hold when an item does.
 * - `eq`/`ne`/`in`/`nin` compare strings with numbers and booleans by their text (query
 *   parameters are strings); `gt`/`gte`/`lt`/`lte`/`between` are numeric (`between` inclusive).
 * - `matches` is an RE2 regular expression (linear time, compiled once per manifest), unanchored;
 *   values over MAX_MATCH_INPUT characters never match (src/match/pattern.ts).
 * - `exists: true` holds for a present, non-empty value.
 */
import type { Condition, RuleShape } from "./schema.ts";
import { OPERATORS } from "./schema.ts";
import { checkPattern, compilePattern } from "../match/pattern.ts";
import { ATTRIBUTES, resolveAttribute, isPersonal, type AttributeKind, type Facts } from "./attributes.ts";

/** Deeper rules are hard to read and to review; segments count at their expanded depth. */
export const MAX_RULE_DEPTH = 8;

export type RuleFn = (f: Facts) => boolean;

export interface CompiledRule {
  test: RuleFn;
  /** Attribute kinds it reads (through segments too): decides whether consent is needed. */
  kinds: ReadonlySet<AttributeKind>;
  /** True when it reads segmentation or behaviour attributes. */
  personal: boolean;
}

/** Compiles named segments lazily, sharing one compiled function and memo slot per segment. */
export class SegmentTable {
  readonly #rules: Readonly<Record<string, RuleShape>>;
  readonly #compiled = new Map<string, { index: number; test: RuleFn; kinds: Set<AttributeKind> }>();
  readonly #compiling = new Set<string>();

  constructor(segments: Readonly<Record<string, RuleShape>>) {
    this.#rules = segments;
  }

  has(id: string): boolean {
    return Object.hasOwn(this.#rules, id);
  }

  get(id: string): { index: number; test: RuleFn; kinds: Set<AttributeKind> } {
    const done = this.#compiled.get(id);
    if (done) return done;
    const rule = Object.hasOwn(this.#rules, id) ? this.#rules[id] : undefined;
    // Unknown or cyclic segments never match; validation reports them at publish.
    if (rule === undefined || this.#compiling.has(id)) return { index: -1, test: never, kinds: new Set() };
    this.#compiling.add(id);
    const kinds = new Set<AttributeKind>();
    const inner = compileNode(rule, this, kinds);
    this.#compiling.delete(id);
    const index = this.#compiled.size;
    // Memoized per request: segments are shared by many variants of many slots.
    const test: RuleFn = (f) => {
      const seen = f.segments[index];
      if (seen !== undefined) return seen;
      const r = inner(f);
      f.segments[index] = r;
      return r;
    };
    const entry = { index, test, kinds };
    this.#compiled.set(id, entry);
    return entry;
  }
}

const never: RuleFn = () => false;
const always: RuleFn = () => true;

/**
 * Compiles a rule to a closure.
 *
 * @example
 * const r = compileRule({ all: [{ attr: "profile.tier", eq: "gold" }, { segment: "returning" }] }, new SegmentTable(manifest.segments));
 * r.test(facts); // true / false
 * r.personal;    // true: needs consent.personalize
 */
export function compileRule(rule: RuleShape, segments: SegmentTable): CompiledRule {
  const kinds = new Set<AttributeKind>();
  const test = compileNode(rule, segments, kinds);
  let personal = false;
  for (const k of kinds) if (isPersonal(k)) personal = true;
  return { test, kinds, personal };
}

function compileNode(rule: RuleShape, segments: SegmentTable, kinds: Set<AttributeKind>): RuleFn {
  if ("all" in rule) {
    const parts = rule.all.map((r) => compileNode(r, segments, kinds));
    if (parts.length === 0) return always;
    if (parts.length === 1) return parts[0]!;
    return (f) => {
      for (const p of parts) if (!p(f)) return false;
      return true;
    };
  }
  if ("any" in rule) {
    const parts = rule.any.map((r) => compileNode(r, segments, kinds));
    if (parts.length === 0) return never;
    if (parts.length === 1) return parts[0]!;
    return (f) => {
      for (const p of parts) if (p(f)) return true;
      return false;
    };
  }
  if ("not" in rule) {
    const inner = compileNode(rule.not, segments, kinds);
    return (f) => !inner(f);
  }
  if ("segment" in rule) {
    const seg = segments.get(rule.segment);
    for (const k of seg.kinds) kinds.add(k);
    return seg.test;
  }
  return compileCondition(rule, kinds);
}

type Scalar = string | number | boolean;

function sameScalar(value: unknown, operand: Scalar): boolean {
  if (value === operand) return true;
  // Query parameters and site attrs arrive as text: "3" eq 3, "true" eq true.
  if (typeof value === "string" && typeof operand !== "string") return value === String(operand);
  if (typeof operand === "string" && (typeof value === "number" || typeof value === "boolean")) return String(value) === operand;
  return false;
}

function eqValue(value: unknown, operand: Scalar): boolean {
  if (Array.isArray(value)) {
    for (const item of value) if (sameScalar(item, operand)) return true;
    return false;
  }
  return sameScalar(value, operand);
}

function inValue(value: unknown, set: readonly Scalar[]): boolean {
  for (const o of set) if (eqValue(value, o)) return true;
  return false;
}

function toNumber(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isNaN(value) ? undefined : value;
  if (typeof value === "string" && value.trim() !== "") {
    const n = Number(value);
    return Number.isNaN(n) ? undefined : n;
  }
  return undefined;
}

/** String tests hold for a string value, or for any string item of a list. */
function someString(value: unknown, pred: (s: string) => boolean): boolean {
  if (typeof value === "string") return pred(value);
  if (typeof value === "number") return pred(String(value));
  if (Array.isArray(value)) {
    for (const item of value) if (typeof item === "string" && pred(item)) return true;
  }
  return false;
}

function present(value: unknown): boolean {
  if (value === undefined || value === null || value === "") return false;
  if (Array.isArray(value)) return value.length > 0;
  return true;
}

/** The one operator a validated condition carries. */
export function operatorOf(c: Condition): (typeof OPERATORS)[number] | undefined {
  for (const op of OPERATORS) if ((c as Record<string, unknown>)[op] !== undefined) return op;
  return undefined;
}

function compileCondition(c: Condition, kinds: Set<AttributeKind>): RuleFn {
  const attr = resolveAttribute(c.attr);
  // Unknown attributes never match (validation names them at publish).
  if (!attr) return never;
  kinds.add(attr.def.kind);
  const get = attr.get;
  const op = operatorOf(c);
  switch (op) {
    case "eq": {
      const o = c.eq!;
      return (f) => eqValue(get(f), o);
    }
    case "ne": {
      const o = c.ne!;
      return (f) => !eqValue(get(f), o);
    }
    case "in": {
      const o = c.in!;
      // Large string-only lists on scalar attributes: a Set lookup instead of a scan.
      if (o.length > 8 && o.every((x) => typeof x === "string") && attr.def.type === "string") {
        const set = new Set(o as string[]);
        return (f) => {
          const v = get(f);
          return typeof v === "string" ? set.has(v) : inValue(v, o);
        };
      }
      return (f) => inValue(get(f), o);
    }
    case "nin": {
      const o = c.nin!;
      return (f) => !inValue(get(f), o);
    }
    case "gt": {
      const o = c.gt!;
      return (f) => {
        const n = toNumber(get(f));
        return n !== undefined && n > o;
      };
    }
    case "gte": {
      const o = c.gte!;
      return (f) => {
        const n = toNumber(get(f));
        return n !== undefined && n >= o;
      };
    }
    case "lt": {
      const o = c.lt!;
      return (f) => {
        const n = toNumber(get(f));
        return n !== undefined && n < o;
      };
    }
    case "lte": {
      const o = c.lte!;
      return (f) => {
        const n = toNumber(get(f));
        return n !== undefined && n <= o;
      };
    }
    case "between": {
      const [lo, hi] = c.between!;
      return (f) => {
        const n = toNumber(get(f));
        return n !== undefined && n >= lo && n <= hi;
      };
    }
    case "matches": {
      // Linear-time RE2, compiled once per manifest; a pattern publishing would refuse never matches.
      const re = compilePattern(c.matches!);
      if (!re.ok) return never;
      return (f) => someString(get(f), re.test);
    }
    case "startsWith": {
      const o = c.startsWith!;
      return (f) => someString(get(f), (s) => s.startsWith(o));
    }
    case "endsWith": {
      const o = c.endsWith!;
      return (f) => someString(get(f), (s) => s.endsWith(o));
    }
    case "contains": {
      const o = c.contains!;
      return (f) => {
        const v = get(f);
        if (Array.isArray(v)) return eqValue(v, o);
        return typeof v === "string" && v.includes(String(o));
      };
    }
    case "exists": {
      const want = c.exists!;
      return (f) => present(get(f)) === want;
    }
    default:
      return never;
  }
}

// ---------------------------------------------------------------------------
// Validation (publish time)

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

const NUMERIC_OPS = new Set(["gt", "gte", "lt", "lte", "between"]);

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
  const issues: RuleIssue[] = [];
  const maxDepth = opts.maxDepth ?? MAX_RULE_DEPTH;
  const expanded = new Map<string, { depth: number; cycle: string | undefined }>();
  let foundCycle: string | undefined;

  // Returns the expanded depth of `node`; reports issues with paths relative to where the rule is written.
  const walk = (node: RuleShape, path: (string | number)[], depth: number, stack: string[], report: boolean): number => {
    if (depth > maxDepth) {
      if (report) issues.push({ code: "too-deep", path, message: `rule nested deeper than ${maxDepth} levels (segments count at their own depth)` });
      return depth;
    }
    if (typeof node !== "object" || node === null) {
      if (report) issues.push({ code: "operator", path, message: "a rule is an object: all, any, not, segment or a condition" });
      return depth;
    }
    if ("all" in node || "any" in node) {
      const key = "all" in node ? "all" : "any";
      const list = (node as Record<string, RuleShape[]>)[key] ?? [];
      let max = depth;
      list.forEach((r, i) => {
        max = Math.max(max, walk(r, [...path, key, i], depth + 1, stack, report));
      });
      return max;
    }
    if ("not" in node) return walk(node.not, [...path, "not"], depth + 1, stack, report);
    if ("segment" in node) {
      const id = node.segment;
      if (!Object.hasOwn(opts.segments, id)) {
        if (report) issues.push({ code: "unknown-segment", path: [...path, "segment"], message: `unknown segment '${id}'${suggest(id, Object.keys(opts.segments))}` });
        return depth;
      }
      if (stack.includes(id)) {
        const cycle = `segment cycle: ${[...stack, id].join(" → ")}`;
        if (report) issues.push({ code: "segment-cycle", path: [...path, "segment"], message: cycle });
        else foundCycle ??= cycle;
        return depth;
      }
      // The segment's own problems are reported at the segment; here only its depth and cycles count.
      let inner = expanded.get(id);
      if (inner === undefined) {
        const outer = foundCycle;
        foundCycle = undefined;
        const d = walk(opts.segments[id]!, [], 0, [...stack, id], false);
        inner = { depth: d, cycle: foundCycle };
        foundCycle = outer ?? foundCycle;
        expanded.set(id, inner);
      } else if (inner.cycle !== undefined) {
        foundCycle ??= inner.cycle;
      }
      if (report && inner.cycle !== undefined) {
        issues.push({ code: "segment-cycle", path: [...path, "segment"], message: inner.cycle });
        return depth;
      }
      const total = depth + inner.depth;
      if (total > maxDepth && report) {
        issues.push({ code: "too-deep", path: [...path, "segment"], message: `segment '${id}' expands this rule past ${maxDepth} levels` });
      }
      return total;
    }
    checkCondition(node as Condition, path, report ? issues : []);
    return depth;
  };

  walk(rule, opts.path, 1, [], true);
  return issues;
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
  if (type === "boolean" && (op === "eq" || op === "ne") && typeof c[op] !== "boolean") {
    issues.push({ code: "type", path: [...path, op], message: `${attr.def.name} is true or false` });
  }
}

const ATTRIBUTE_NAMES = ATTRIBUTES.map((a) => a.name.replace(".<key>", ".*"));

/** " (did you mean x?)" for a close name, else "". */
function suggest(name: string, candidates: readonly string[]): string {
  let best: string | undefined;
  let bestDist = Math.max(2, Math.floor(name.length / 4)) + 1;
  for (const c of candidates) {
    const d = distance(name, c);
    if (d < bestDist) {
      bestDist = d;
      best = c;
    }
  }
  return best === undefined ? "" : ` (did you mean ${best}?)`;
}

/** Levenshtein distance, small strings only. */
function distance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 4) return 99;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}
