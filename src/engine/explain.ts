/**
 * Plain-words explanations: rules written back in short text, and a one-line
 * summary of a result for the preview debug header / Server-Timing description.
 */
import type { RuleShape } from "./schema.ts";
import { operatorOf } from "./rule-operators.ts";
import type { DecideResult } from "./types.ts";

const MAX_TEXT = 240;

/**
 * A rule in short text, cut at 240 characters.
 *
 * @example
 * describeRule({ all: [{ attr: "profile.tier", eq: "gold" }, { segment: "returning" }] });
 * // 'all(profile.tier eq "gold", segment returning)'
 */
export function describeRule(rule: RuleShape): string {
  const text = write(rule);
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text;
}

function write(rule: RuleShape): string {
  if ("all" in rule) return `all(${rule.all.map(write).join(", ")})`;
  if ("any" in rule) return `any(${rule.any.map(write).join(", ")})`;
  if ("not" in rule) return `not(${write(rule.not)})`;
  if ("segment" in rule) return `segment ${rule.segment}`;
  const op = operatorOf(rule);
  if (op === undefined) return `${rule.attr} ?`;
  return `${rule.attr} ${op} ${JSON.stringify((rule as Record<string, unknown>)[op])}`;
}

/**
 * One line per result, safe for a response header (ASCII, no newlines):
 * `slot=variant` pairs, with the experiment arm and bucket, `-` for default content.
 *
 * @example
 * summarize(result); // "v=2026-05-01.1; hero=abandoned-cart; promo=- (exp promo-test/control#0412)"
 */
export function summarize(result: DecideResult): string {
  const parts = [`v=${result.manifestVersion}`];
  if (result.holdout) parts.push("global-holdout");
  for (const d of result.decisions) {
    let s = `${d.slot}=${d.variant ?? "-"}`;
    if (d.experiment) {
      s += ` (exp ${d.experiment.id}/${d.experiment.holdout ? "holdout" : d.experiment.arm}#${String(d.experiment.bucket).padStart(4, "0")})`;
    }
    parts.push(s);
  }
  // Header values must be visible ASCII.
  return parts.join("; ").replace(/[^\x20-\x7e]/g, "?");
}
