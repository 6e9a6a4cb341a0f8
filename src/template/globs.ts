/**
 * Whole-string `*` patterns from the site owner's config (TEMPLATE_PATHS, TEMPLATE_IGNORE_COOKIES),
 * matched against what a visitor sends (a path, cookie names). No regular expression: each
 * pattern is its literal pieces between `*`s, found left to right with `indexOf`, so a match
 * costs at most (pieces × input length) whatever the input — a visitor cannot make it backtrack.
 * (For `*`-only globs, taking each piece at its leftmost place is exact: a later place can only
 * leave less room for the pieces after it.)
 */

interface Glob {
  /** Literal pieces between the `*`s; a pattern without `*` is one piece matched whole. */
  pieces: string[];
}

export interface GlobList {
  /** True when any pattern matches the whole of `s`. */
  test(s: string): boolean;
  /** The patterns as given (for messages). */
  readonly patterns: readonly string[];
}

function matches(glob: Glob, s: string): boolean {
  const { pieces } = glob;
  if (pieces.length === 1) return s === pieces[0];
  const first = pieces[0]!;
  const last = pieces[pieces.length - 1]!;
  if (s.length < first.length + last.length || !s.startsWith(first) || !s.endsWith(last)) return false;
  let at = first.length;
  const end = s.length - last.length;
  for (let i = 1; i < pieces.length - 1; i++) {
    const piece = pieces[i]!;
    if (!piece) continue;
    const found = s.indexOf(piece, at);
    if (found < 0 || found + piece.length > end) return false;
    at = found + piece.length;
  }
  return true;
}

/**
 * A comma- or space-separated list of patterns; null when it is empty.
 *
 * @example
 * const ignore = globList("_ga*, _gid");
 * ignore?.test("_ga_XYZ"); // true
 * ignore?.test("session"); // false
 */
export function globList(list: string): GlobList | null {
  const patterns = list
    .split(/[\s,]+/)
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
  if (patterns.length === 0) return null;
  const globs: Glob[] = patterns.map((p) => ({ pieces: p.split("*") }));
  return {
    patterns,
    test: (s) => globs.some((g) => matches(g, s)),
  };
}
