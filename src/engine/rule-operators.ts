/**
 * A condition's operator compiled to a closure over one attribute's getter: what `eq`,
 * `in`, `gt`, `matches`, `exists`… mean (the semantics are listed in rule-compiler.ts).
 * One small compiler per operator, looked up by name.
 */
import type { Condition } from "./schema.ts";
import { OPERATORS, type Operator } from "./schema.ts";
import { compilePattern } from "../match/pattern.ts";
import { resolveAttribute, type AttributeKind, type Facts } from "./attributes.ts";

export type RuleFn = (f: Facts) => boolean;

export const never: RuleFn = () => false;

type Scalar = string | number | boolean;
type Getter = (f: Facts) => unknown;
type Attribute = NonNullable<ReturnType<typeof resolveAttribute>>;

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

/** A numeric comparison: absent or non-numeric values never hold. */
function numeric(get: Getter, holds: (n: number) => boolean): RuleFn {
  return (f) => {
    const n = toNumber(get(f));
    return n !== undefined && holds(n);
  };
}

function compileIn(o: readonly Scalar[], get: Getter, attr: Attribute): RuleFn {
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

function compileMatches(pattern: string, get: Getter): RuleFn {
  // Linear-time RE2, compiled once per manifest; a pattern publishing would refuse never matches.
  const re = compilePattern(pattern);
  if (!re.ok) return never;
  return (f) => someString(get(f), re.test);
}

function compileContains(o: Scalar, get: Getter): RuleFn {
  return (f) => {
    const v = get(f);
    if (Array.isArray(v)) return eqValue(v, o);
    return typeof v === "string" && v.includes(String(o));
  };
}

/** One compiler per operator; each reads its operand once, when the manifest is compiled. */
const COMPILERS: { [op in Operator]: (c: Condition, get: Getter, attr: Attribute) => RuleFn } = {
  eq: (c, get) => {
    const o = c.eq!;
    return (f) => eqValue(get(f), o);
  },
  ne: (c, get) => {
    const o = c.ne!;
    return (f) => !eqValue(get(f), o);
  },
  in: (c, get, attr) => compileIn(c.in!, get, attr),
  nin: (c, get) => {
    const o = c.nin!;
    return (f) => !inValue(get(f), o);
  },
  gt: (c, get) => {
    const o = c.gt!;
    return numeric(get, (n) => n > o);
  },
  gte: (c, get) => {
    const o = c.gte!;
    return numeric(get, (n) => n >= o);
  },
  lt: (c, get) => {
    const o = c.lt!;
    return numeric(get, (n) => n < o);
  },
  lte: (c, get) => {
    const o = c.lte!;
    return numeric(get, (n) => n <= o);
  },
  between: (c, get) => {
    const [lo, hi] = c.between!;
    return numeric(get, (n) => n >= lo && n <= hi);
  },
  matches: (c, get) => compileMatches(c.matches!, get),
  startsWith: (c, get) => {
    const o = c.startsWith!;
    return (f) => someString(get(f), (s) => s.startsWith(o));
  },
  endsWith: (c, get) => {
    const o = c.endsWith!;
    return (f) => someString(get(f), (s) => s.endsWith(o));
  },
  contains: (c, get) => compileContains(c.contains!, get),
  exists: (c, get) => {
    const want = c.exists!;
    return (f) => present(get(f)) === want;
  },
};

/** The one operator a validated condition carries. */
export function operatorOf(c: Condition): Operator | undefined {
  for (const op of OPERATORS) if ((c as Record<string, unknown>)[op] !== undefined) return op;
  return undefined;
}

/** Compiles one condition, adding the kind of attribute it reads to `kinds`. */
export function compileCondition(c: Condition, kinds: Set<AttributeKind>): RuleFn {
  const attr = resolveAttribute(c.attr);
  // Unknown attributes never match (validation names them at publish).
  if (!attr) return never;
  kinds.add(attr.def.kind);
  const op = operatorOf(c);
  return op === undefined ? never : COMPILERS[op](c, attr.get, attr);
}
