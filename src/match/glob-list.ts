/**
 * Whole-string `*` patterns from the site owner's config (TEMPLATE_PATHS, TEMPLATE_IGNORE_COOKIES,
 * TEMPLATE_BYPASS), matched against what a visitor sends (a path, cookie names): a comma- or
 * space-separated list, any pattern may match. The matching is the product's one wildcard
 * matcher (src/match/glob.ts): no regular expression, linear in pattern plus input, so a
 * visitor cannot make it backtrack.
 */
import { compileGlobList } from "./glob.ts";

export interface GlobList {
  /** True when any pattern matches the whole of `s`. */
  test(s: string): boolean;
  /** The patterns as given (for messages). */
  readonly patterns: readonly string[];
}

/**
 * A list of patterns; null when it is empty.
 *
 * @example
 * const ignore = globList("_ga*, _gid");
 * ignore?.test("_ga_XYZ"); // true
 * ignore?.test("session"); // false
 */
export function globList(list: string): GlobList | null {
  const compiled = compileGlobList(list);
  if (!compiled) return null;
  return { patterns: compiled.patterns, test: (s) => compiled.test(s) };
}
