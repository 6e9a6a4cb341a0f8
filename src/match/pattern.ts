/**
 * The `matches` rule operator's regular expressions: editor-written, run on visitor input
 * (paths, query parameters, referrers, profile attributes) on every page. They run on RE2
 * (re2js, a port of Go's and C++'s RE2): matching takes time linear in the input, whatever
 * the pattern, so no pattern can backtrack catastrophically (`^(a+)+$`, `(a|a)*b`, `(.*a){20}`
 * stay linear), and a pattern that somehow slipped past publishing still cannot stall a page.
 *
 * What publishing refuses (`checkPattern`, used by the schema, the engine's validator and so
 * by `p13n validate` and the admin API):
 * - what RE2 cannot run in linear time: backreferences (`\1`, `\k<name>`), lookahead and
 *   lookbehind (`(?=`, `(?!`, `(?<=`, `(?<!`), and anything else that is not RE2 syntax
 *   (JavaScript's `\uXXXX` is written `\x{XXXX}`);
 * - patterns over MAX_PATTERN_LENGTH characters, or whose compiled program has more than
 *   MAX_PATTERN_INSTRUCTIONS instructions (counted repetition expands: `[^a]{1000}` is 1,000):
 *   linear time is time × program size, so the size is bounded too.
 *
 * At match time only the first MAX_MATCH_INPUT characters of a value can match: a longer
 * value never matches `matches` (it is not a path, a referrer host or a parameter anyone
 * writes rules for), which bounds each test to input × program steps.
 *
 * @example
 * const p = compilePattern("^/(checkout|support)/");
 * p.ok && p.test("/checkout/pay"); // true
 * checkPattern("(a)\\1");           // "not supported: invalid escape sequence: `\1` (backreferences cannot run in linear time)"
 */
import { RE2JS } from "re2js";

export const MAX_PATTERN_LENGTH = 256;
export const MAX_PATTERN_INSTRUCTIONS = 1000;
export const MAX_MATCH_INPUT = 2048;

export type CompiledPattern = { ok: true; test: (input: string) => boolean } | { ok: false; message: string };

/** Why RE2 refuses a construct, in the editor's words. */
function explain(raw: string): string {
  const why = raw.replace(/^error parsing regexp: /, "");
  if (/\(\?[=!]|\(\?<[=!]|invalid named capture: `\(\?<[=!]/.test(why)) return `${why} (lookahead and lookbehind cannot run in linear time)`;
  if (/escape sequence: `\\[1-9k]/.test(why)) return `${why} (backreferences cannot run in linear time)`;
  if (/escape sequence: `\\u/.test(why)) return `${why} (write \\x{00e9} for \\u00e9)`;
  return why;
}

/**
 * Compiles a pattern for `matches`, or says why it cannot be used.
 *
 * @example
 * compilePattern("(?=x)"); // { ok: false, message: "invalid or unsupported Perl syntax: `(?=` (lookahead and lookbehind cannot run in linear time)" }
 */
export function compilePattern(source: string): CompiledPattern {
  if (source.length > MAX_PATTERN_LENGTH) return { ok: false, message: `at most ${MAX_PATTERN_LENGTH} characters` };
  let re: RE2JS;
  try {
    re = RE2JS.compile(source);
  } catch (err) {
    return { ok: false, message: explain((err as Error).message) };
  }
  const size = re.re2().prog.inst.length;
  if (size > MAX_PATTERN_INSTRUCTIONS) {
    return { ok: false, message: `too large once compiled (${size} steps per character, at most ${MAX_PATTERN_INSTRUCTIONS}): use smaller repeat counts` };
  }
  return { ok: true, test: (input) => input.length <= MAX_MATCH_INPUT && re.test(input) };
}

/**
 * Why a pattern is refused at publish, or undefined when it is fine.
 *
 * @example
 * checkPattern("^/blog/"); // undefined
 */
export function checkPattern(source: string): string | undefined {
  const r = compilePattern(source);
  return r.ok ? undefined : r.message;
}
