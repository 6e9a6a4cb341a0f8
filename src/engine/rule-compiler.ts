/**
 * The rule language compiled to closures (no eval: workerd forbids it and closures are
 * faster): `all`, `any`, `not` and named segments here, each condition's operator in
 * rule-operators.ts. Publish-time validation is rule-validator.ts.
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
import type { RuleShape } from "./schema.ts";
import { isPersonal, type AttributeKind } from "./attributes.ts";
import { compileCondition, never, type RuleFn } from "./rule-operators.ts";
import { memoRule, rememberRule } from "./request-memo.ts";

export type { RuleFn } from "./rule-operators.ts";

export interface CompiledRule {
  test: RuleFn;
  /** Attribute kinds it reads (through segments too): decides whether consent is needed. */
  kinds: ReadonlySet<AttributeKind>;
  /** True when it reads segmentation or behaviour attributes. */
  personal: boolean;
  /**
   * Its slot in the request memo (`Facts.memo`) when the whole rule is memoized (a segment, a
   * composite rule or a regex), else -1: the pick reads a known result without calling `test`.
   */
  memo: number;
}

/**
 * Compiles named segments lazily, sharing one compiled function and memo slot per segment;
 * and shares identical sub-rules (the same `all`/`any`/`not` or `matches`, anywhere in the
 * manifest) the same way, so a rule many variants repeat is evaluated once per request.
 * Memo slots index `Facts.memo` (request-memo.ts; `size` of them once the manifest is compiled).
 */
export class SegmentTable {
  readonly #rules: Readonly<Record<string, RuleShape>>;
  readonly #compiled = new Map<string, { index: number; test: RuleFn; kinds: Set<AttributeKind> }>();
  readonly #compiling = new Set<string>();
  readonly #shared = new Map<string, { test: RuleFn; kinds: Set<AttributeKind> }>();
  /** Every memoized function handed out, with its memo slot. */
  readonly #memoOf = new Map<RuleFn, number>();
  #slots = 0;

  constructor(segments: Readonly<Record<string, RuleShape>>) {
    this.#rules = segments;
  }

  /** Memo slots handed out so far. */
  get size(): number {
    return this.#slots;
  }

  /** The memo slot of a function this table handed out memoized, else -1. */
  memoOf(test: RuleFn): number {
    return this.#memoOf.get(test) ?? -1;
  }

  #memoized(inner: RuleFn): { index: number; test: RuleFn } {
    const index = this.#slots++;
    const test = memoized(index, inner);
    this.#memoOf.set(test, index);
    return { index, test };
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
    // Memoized per request: segments are shared by many variants of many slots.
    const entry = { ...this.#memoized(inner), kinds };
    this.#compiled.set(id, entry);
    return entry;
  }

  /**
   * One memoized function for every occurrence of the same rule (same JSON) in the manifest.
   * Segments are referred to by name, and names mean one thing within a manifest.
   */
  shared(rule: RuleShape, compile: (kinds: Set<AttributeKind>) => RuleFn, kinds: Set<AttributeKind>): RuleFn {
    const key = JSON.stringify(rule);
    let entry = this.#shared.get(key);
    if (!entry) {
      const own = new Set<AttributeKind>();
      entry = { test: this.#memoized(compile(own)).test, kinds: own };
      this.#shared.set(key, entry);
    }
    for (const k of entry.kinds) kinds.add(k);
    return entry.test;
  }
}

function memoized(index: number, inner: RuleFn): RuleFn {
  return (f) => {
    const seen = memoRule(f.memo, f.stamp, index);
    if (seen !== 0) return seen === 2;
    const r = inner(f);
    rememberRule(f.memo, f.stamp, index, r);
    return r;
  };
}

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
  return { test, kinds, personal, memo: segments.memoOf(test) };
}

function compileNode(rule: RuleShape, segments: SegmentTable, kinds: Set<AttributeKind>): RuleFn {
  // Composite rules and regular expressions are worth a memo slot; a plain comparison costs
  // about what the memo's lookup does.
  if ("all" in rule || "any" in rule || "not" in rule || ("matches" in rule && rule.matches !== undefined)) {
    return segments.shared(rule, (own) => compileShape(rule, segments, own), kinds);
  }
  return compileShape(rule, segments, kinds);
}

function compileShape(rule: RuleShape, segments: SegmentTable, kinds: Set<AttributeKind>): RuleFn {
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
