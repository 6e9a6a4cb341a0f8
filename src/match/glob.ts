/**
 * Whole-string wildcard patterns (`*` matches any run of characters, everything else is
 * literal), matched in time linear in the pattern plus the input. Every wildcard list of the
 * product goes through here: the manifest's page mappings (`pages[].pattern`), and through
 * src/match/glob-list.ts `TEMPLATE_BYPASS`, `TEMPLATE_PATHS` and `TEMPLATE_IGNORE_COOKIES`.
 *
 * Why not a RegExp: `*` compiled to `.*` backtracks, polynomially in the number of stars
 * (`/blog/*-*-*.html` took 154 ms on one 800-character path). Here the pattern is split at
 * its stars into literal pieces: the first must be a prefix, the last a suffix, and each
 * middle piece is found leftmost (Knuth–Morris–Pratt), which is optimal for `*`-only globs
 * (taking a piece's leftmost occurrence leaves the most room for the rest). No step is ever
 * taken twice.
 *
 * @example
 * const m = compileGlob("/blog/*-*-*.html");
 * m.test("/blog/2026-11-23.html"); // true
 * m.test("/blog/notes.html");      // false
 */

export interface Glob {
  readonly pattern: string;
  test(input: string, meter?: StepMeter): boolean;
}

/** Counts character comparisons (tests prove linearity by counting, never by timing). */
export interface StepMeter {
  steps: number;
}

/** KMP failure table: for each prefix, the length of its longest proper border. */
function failureTable(piece: string): Int32Array {
  const fail = new Int32Array(piece.length);
  let k = 0;
  for (let i = 1; i < piece.length; i++) {
    while (k > 0 && piece[i] !== piece[k]) k = fail[k - 1]!;
    if (piece[i] === piece[k]) k++;
    fail[i] = k;
  }
  return fail;
}

/** Index of the first occurrence of `piece` in `text[from, to)`, or -1. Linear in `to - from`. */
function findFrom(text: string, from: number, to: number, piece: string, fail: Int32Array, meter: StepMeter | undefined): number {
  let k = 0;
  for (let i = from; i < to; i++) {
    while (k > 0 && text[i] !== piece[k]) {
      k = fail[k - 1]!;
      if (meter) meter.steps++;
    }
    if (meter) meter.steps++;
    if (text[i] === piece[k]) k++;
    if (k === piece.length) return i - piece.length + 1;
  }
  return -1;
}

/**
 * @example
 * compileGlob("/products/*").test("/products/leggings"); // true
 */
export function compileGlob(pattern: string): Glob {
  const pieces = pattern.split("*");
  if (pieces.length === 1) return { pattern, test: (input, meter) => (meter && (meter.steps += input.length), input === pattern) };
  const first = pieces[0]!;
  const last = pieces[pieces.length - 1]!;
  // Empty middle pieces (from "**") match anywhere: drop them.
  const middle = pieces.slice(1, -1).filter((p) => p.length > 0);
  const tables = middle.map(failureTable);
  const minLength = first.length + last.length + middle.reduce((n, p) => n + p.length, 0);
  return {
    pattern,
    test(input, meter) {
      if (input.length < minLength || !input.startsWith(first) || !input.endsWith(last)) return false;
      if (meter) meter.steps += first.length + last.length;
      // The middle pieces must fit, in order, between the prefix and the suffix.
      let at = first.length;
      const end = input.length - last.length;
      for (let i = 0; i < middle.length; i++) {
        const found = findFrom(input, at, end, middle[i]!, tables[i]!, meter);
        if (found < 0) return false;
        at = found + middle[i]!.length;
      }
      return true;
    },
  };
}

/**
 * A comma- or space-separated list of globs as one matcher (any of them), or null for an
 * empty list.
 *
 * @example
 * const bypass = compileGlobList("/checkout/*, /account/*, /search");
 * bypass?.test("/checkout/pay"); // true
 * bypass?.test("/search?q=x");   // false: the whole string must match
 */
export function compileGlobList(list: string): (Glob & { patterns: readonly string[] }) | null {
  const patterns = list
    .split(/[\s,]+/)
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
  if (patterns.length === 0) return null;
  const globs = patterns.map(compileGlob);
  return { pattern: patterns.join(", "), patterns, test: (input, meter) => globs.some((g) => g.test(input, meter)) };
}
