// Linear-time matching: the one wildcard matcher (page mappings, TEMPLATE_BYPASS) agrees with
// the obvious regex on small inputs and counts O(pattern + input) steps on inputs a backtracking
// regex would need hours for; `matches` patterns run on RE2 and what cannot run in linear time
// is refused. Linearity is shown by counting steps, never by a clock.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileGlob, compileGlobList, type StepMeter } from "../../../src/match/glob.ts";
import { checkPattern, compilePattern, MAX_MATCH_INPUT, MAX_PATTERN_INSTRUCTIONS } from "../../../src/match/pattern.ts";
import { validateRule } from "../../../src/engine/rule-validator.ts";

/** What the old code compiled a wildcard to (the reference for meaning, not for speed). */
function referenceRegExp(pattern: string): RegExp {
  return new RegExp(`^${pattern.split("*").map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`, "s");
}

describe("wildcards: compileGlob", () => {
  it("means what `*` as `.*` means, on every small pattern and input", () => {
    const alphabet = fc.constantFrom("a", "b", "-", "/", "*");
    fc.assert(
      fc.property(fc.string({ unit: alphabet, maxLength: 8 }), fc.string({ unit: fc.constantFrom("a", "b", "-", "/"), maxLength: 12 }), (pattern, input) => {
        expect(compileGlob(pattern).test(input)).toBe(referenceRegExp(pattern).test(input));
      }),
      { numRuns: 5000 },
    );
  });

  it.each([
    ["/blog/*-*-*.html", "/blog/2026-11-23.html", true],
    ["/blog/*-*-*.html", "/blog/notes.html", false],
    ["/products/*", "/products/", true],
    ["/products/*", "/product", false],
    ["ab*ba", "aba", false],
    ["*", "", true],
    ["/search", "/search?q=x", false],
  ])("%s on %s → %s", (pattern, input, want) => {
    expect(compileGlob(pattern).test(input)).toBe(want);
  });

  // A backtracking `.*-.*-…x` needs about n^k steps here (k stars): hours at these sizes.
  it.each([
    ["/blog/*-*-*.html", "/blog/" + "-".repeat(800)],
    ["/*-*-*-*-*-*-*-*x", "/" + "-".repeat(10_000)],
    ["*a*a*a*a*a*a*a*a*b", "a".repeat(20_000)],
    ["*aab*aab*aab*", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab".repeat(400)],
  ])("%s on a hostile %#: at most 3·(pattern + input) steps", (pattern, input) => {
    const meter: StepMeter = { steps: 0 };
    compileGlob(pattern).test(input, meter);
    expect(meter.steps).toBeLessThanOrEqual(3 * (pattern.length + input.length));
  });

  it("a list (TEMPLATE_BYPASS) matches when any pattern does; an empty list is none", () => {
    const list = compileGlobList("/checkout/*, /account/*  /search")!;
    expect(["/checkout/pay", "/account/", "/search"].map((p) => list.test(p))).toEqual([true, true, true]);
    expect(["/search?q=x", "/checkout", "/"].map((p) => list.test(p))).toEqual([false, false, false]);
    expect(compileGlobList(" , ")).toBeNull();
  });
});

describe("`matches` patterns: RE2, linear time", () => {
  it.each([
    ["(?=a)b", /lookahead and lookbehind/],
    ["(?!a)b", /lookahead and lookbehind/],
    ["(?<=a)b", /lookahead and lookbehind/],
    ["(?<!a)b", /lookahead and lookbehind/],
    ["(a)\\1", /backreferences/],
    ["(?<n>a)\\k<n>", /backreferences/],
    ["[^a]{400}[^b]{400}[^c]{400}", new RegExp(`at most ${MAX_PATTERN_INSTRUCTIONS}`)],
    ["(a{100}){100}", /repeat count/],
    ["\\u00e9", /\\x\{00e9\}/],
    ["x".repeat(257), /at most 256 characters/],
    ["(", /missing closing \)/],
  ])("refuses %s at publish", (pattern, why) => {
    expect(checkPattern(pattern)).toMatch(why);
    const issues = validateRule({ attr: "context.path", matches: pattern }, { segments: {}, path: ["segments", "s"] });
    expect(issues).toEqual([expect.objectContaining({ code: "bad-regex", path: ["segments", "s", "matches"] })]);
  });

  // Patterns that backtrack catastrophically in JavaScript's engine are linear on RE2; they
  // may be published, and answer at once on inputs where a backtracker would run for ages.
  it.each([
    ["^(a+)+$", "a".repeat(MAX_MATCH_INPUT - 1) + "!", false],
    ["(a|a)*b", "a".repeat(MAX_MATCH_INPUT), false],
    ["(.*a){20}", "a".repeat(MAX_MATCH_INPUT), true],
    ["^(\\w+\\s?)*$", "word ".repeat(400) + "!", false],
  ])("%s is accepted and linear: %#", (pattern, input, want) => {
    expect(checkPattern(pattern)).toBeUndefined();
    const p = compilePattern(pattern);
    expect(p.ok && p.test(input)).toBe(want);
  });

  it("means what JavaScript means for the patterns editors write", () => {
    const cases: Array<[string, string]> = [
      ["^/(checkout|support)/", "/checkout/pay"],
      ["^/(checkout|support)/", "/checkouts"],
      ["\\.html$", "/blog/a.html"],
      ["^/products/[a-z-]+$", "/products/running-shoes"],
      ["^/products/[a-z-]+$", "/products/Shoes"],
      ["google\\.(com|de)", "www.google.de"],
      ["^\\d{5}$", "10115"],
      ["^\\d{5}$", "1011"],
      ["(?i)^gold$", "GOLD"],
      ["^[^/]+$", "no-slash"],
    ];
    for (const [pattern, input] of cases) {
      const p = compilePattern(pattern);
      const js = new RegExp(pattern.replace("(?i)", ""), pattern.startsWith("(?i)") ? "i" : "");
      expect(p.ok && p.test(input), `${pattern} on ${input}`).toBe(js.test(input));
    }
  });

  it(`a value over ${MAX_MATCH_INPUT} characters never matches`, () => {
    const p = compilePattern("^/");
    expect(p.ok && p.test("/" + "x".repeat(MAX_MATCH_INPUT - 1))).toBe(true);
    expect(p.ok && p.test("/" + "x".repeat(MAX_MATCH_INPUT))).toBe(false);
  });
});
