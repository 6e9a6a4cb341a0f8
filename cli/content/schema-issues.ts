/**
 * Turns valibot issues for a manifest into messages an editor can act on:
 * "unknown field 'equals' — use one of eq, ne, …; did you mean 'eq'?" rather
 * than "Invalid key: Expected never but received \"equals\"". Rule unions are
 * re-checked member by member so the error lands on the field that is wrong.
 *
 * @example
 * const r = v.safeParse(ManifestSchema, draft);
 * if (!r.success) for (const i of explainIssues(r.issues)) console.log(i.path, i.message, i.fix);
 */
import * as v from "valibot";
import { ConditionSchema, IdSchema, ManifestSchema, OPERATORS } from "../../src/engine/schema.ts";
import { didYouMean, type Key } from "./problem.ts";

/** One schema problem at a manifest path; `onKey`: the key itself is wrong, not its value. */
export interface SchemaIssue {
  path: Key[];
  onKey: boolean;
  message: string;
  fix: string;
  /** In an HTML fragment: the offset of the problem in it, and what to name as the field (a placeholder as written). */
  offset?: number;
  field?: string;
}

type AnyIssue = v.BaseIssue<unknown>;
type AnySchema = v.GenericSchema & Record<string, unknown>;

const RULE_KINDS = ["all", "any", "not", "segment", "attr"];
const RULE_FIX = "write a condition {attr: profile.tier, eq: gold}, a segment {segment: <id>}, or combine rules with all: [...], any: [...] or not: ...";

export function explainIssues(issues: readonly AnyIssue[], root: v.GenericSchema = ManifestSchema, prefix: readonly Key[] = []): SchemaIssue[] {
  const out: SchemaIssue[] = [];
  for (const issue of issues) {
    const keys = [...prefix, ...(issue.path ?? []).map((p) => p.key as Key)];
    const onKey = issue.path?.at(-1)?.origin === "key";
    // The only unions in a manifest are rules (scalars sit inside conditions, re-checked below).
    if (issue.type === "union") {
      out.push(...ruleIssues(issue.input, keys));
      continue;
    }
    out.push({ path: keys, onKey, ...describe(issue, keys.slice(prefix.length), root) });
  }
  return out;
}

/** Checks one rule position precisely: which kind of rule it is meant to be, then that kind's shape. */
export function ruleIssues(input: unknown, at: Key[]): SchemaIssue[] {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    return [{ path: at, onKey: false, message: `a rule must be a mapping, found ${shown(input)}`, fix: RULE_FIX }];
  }
  const rec = input as Record<string, unknown>;
  const keys = Object.keys(rec);
  const kind = RULE_KINDS.find((k) => k in rec);
  if (!kind) {
    const op = keys.find((k) => (OPERATORS as readonly string[]).includes(k));
    if (op) return [{ path: at, onKey: false, message: `condition without 'attr' (it has '${op}')`, fix: "add 'attr: <attribute>', e.g. attr: profile.tier" }];
    const hint = keys.map((k) => didYouMean(k, RULE_KINDS)).find(Boolean) ?? "";
    return [{ path: at, onKey: false, message: `not a rule: it has ${keys.length ? keys.map((k) => `'${k}'`).join(", ") : "no fields"}`, fix: `${RULE_FIX}.${hint}` }];
  }
  if (kind === "attr") {
    const r = v.safeParse(ConditionSchema, input);
    return r.success ? [] : explainIssues(r.issues, ConditionSchema, at);
  }
  const out: SchemaIssue[] = [];
  for (const extra of keys.filter((k) => k !== kind)) {
    out.push({
      path: [...at, extra],
      onKey: true,
      message: `'${kind}' cannot share a rule with '${extra}'`,
      fix: kind === "segment" || !RULE_KINDS.includes(extra) ? `remove '${extra}'` : `nest them: all: [ {${kind}: …}, {${extra}: …} ]`,
    });
  }
  const value = rec[kind];
  if (kind === "all" || kind === "any") {
    if (!Array.isArray(value)) {
      out.push({ path: [...at, kind], onKey: false, message: `'${kind}' needs a list of rules, found ${shown(value)}`, fix: `write each rule on its own line starting with '- ' under '${kind}:'` });
    } else {
      if (value.length > 100) out.push({ path: [...at, kind], onKey: false, message: `${value.length} rules in one '${kind}'`, fix: "use at most 100; move groups into named segments" });
      value.forEach((r, i) => out.push(...ruleIssues(r, [...at, kind, i])));
    }
  } else if (kind === "not") {
    out.push(...ruleIssues(value, [...at, "not"]));
  } else {
    const r = v.safeParse(IdSchema, value);
    if (!r.success) out.push({ path: [...at, "segment"], onKey: false, message: `invalid segment id ${shown(value)}`, fix: r.issues[0].message });
  }
  return out;
}

function describe(issue: AnyIssue, rel: Key[], root: v.GenericSchema): { message: string; fix: string } {
  const field = rel.at(-1);
  if (issue.type === "strict_object" && issue.expected === "never") {
    const allowed = allowedKeys(root, rel.slice(0, -1));
    const list = allowed.length ? `allowed here: ${allowed.join(", ")}.` : "remove it.";
    return { message: `unknown field '${String(field)}'`, fix: `${list}${didYouMean(String(field), allowed)}` };
  }
  if ((issue.type === "strict_object" || issue.type === "object") && issue.received === "undefined" && rel.length > 0) {
    return { message: `missing field '${String(field)}'`, fix: `add '${String(field)}:'` };
  }
  switch (issue.type) {
    case "regex":
    case "iso_timestamp":
      return { message: `invalid value ${issue.received}`, fix: issue.message };
    case "check":
      return { message: issue.message, fix: checkFix(issue.message) };
    case "min_value":
    case "max_value":
    case "min_length":
    case "max_length":
      return { message: `${issue.received} is out of range (must be ${issue.expected})`, fix: `use a value ${issue.expected}` };
    case "literal":
    case "picklist":
      return { message: `${issue.received} is not allowed`, fix: `use ${(issue.expected ?? "an allowed value").replace(/"/g, "'")}` };
    case "integer":
      return { message: `${issue.received} is not a whole number`, fix: "use a whole number" };
    default:
      return { message: `expected ${article(issue.expected)}, found ${issue.received}`, fix: `write ${article(issue.expected)} here` };
  }
}

function checkFix(message: string): string {
  if (message.includes("exactly one operator")) return "keep one operator per condition; combine conditions with all: [...] or any: [...]";
  if (message.includes("slot selector")) return "select the element by its id, a class, an attribute or its place (main > section:nth-child(2)); see README \"Slots by selector\"";
  if (message.includes("regular expression")) return "fix the pattern (RE2 syntax: no backreferences or lookaround; see README \"Rule language\"); escape '.' as '\\\\.' in YAML double quotes";
  return "fix the value";
}

/** The field names a strict object at `path` accepts (empty when unknown). */
function allowedKeys(root: v.GenericSchema, path: readonly Key[]): string[] {
  let s: AnySchema | undefined = unwrap(root as AnySchema);
  for (const key of path) {
    if (!s) return [];
    if ("entries" in s && s.entries) s = unwrap((s.entries as Record<string, AnySchema>)[String(key)]);
    else if (s.type === "record") s = unwrap(s.value as AnySchema);
    else if (s.type === "array") s = unwrap(s.item as AnySchema);
    else return [];
  }
  if (!s || !("entries" in s) || !s.entries) return [];
  const keys = Object.keys(s.entries as object);
  // A variant's id and html come from its file names, never from its metadata.
  return s === unwrapVariant ? keys.filter((k) => k !== "id" && k !== "html") : keys;
}

const unwrapVariant = unwrap((ManifestSchema.entries.slots.value.entries.variants.item) as unknown as AnySchema);

function unwrap(s: AnySchema | undefined): AnySchema | undefined {
  while (s && (s.type === "optional" || s.type === "nullable" || s.type === "nullish" || s.type === "exact_optional")) s = s.wrapped as AnySchema;
  return s;
}

function article(expected: string | null): string {
  if (!expected) return "a valid value";
  const e = expected.replace(/"/g, "'");
  if (e === "Object") return "a mapping (key: value lines)";
  if (e === "Array") return "a list";
  if (/^(string|number|boolean)$/.test(e)) return `a ${e === "string" ? "text" : e}`;
  return e;
}

function shown(x: unknown): string {
  if (Array.isArray(x)) return "a list";
  if (x === null) return "nothing (null)";
  return typeof x === "string" ? `'${x}'` : String(x);
}
