// The preview's element picker's pure helpers (src/client/picker.browser.js, the module preview
// pages load): which selectors HTMLRewriter can use, and the slot name proposed for an element.
// The selector it proposes on a real page is tested in Chromium (test/browser/editor.test.ts).
import { describe, expect, it } from "vitest";
import { selectorProblem, slotIdFor } from "../../../src/client/picker.browser.js";
import { checkSelector } from "../../../src/match/slot-selector.ts";

describe("selectors HTMLRewriter can use", () => {
  it.each([
    "footer.site-footer",
    "#newsletter",
    "main > section:nth-of-type(2)",
    "div.hero h1",
    "ul li:first-child",
    'a[href^="/products"]',
    'a[title="a + b ~ c"]',
    "p:not(.lead)",
    "li:nth-child(2n+1)",
  ])("%s", (s) => {
    expect(selectorProblem(s)).toBe("");
  });

  it.each([
    ["", "write a selector"],
    ["h1, h2", "one selector only"],
    ["h1 + p", "sibling combinators"],
    ["h1 ~ p", "sibling combinators"],
    ["p::before", "pseudo-elements"],
    ["li:last-child", "only :first-child"],
    ["a:hover", "only :first-child"],
    ['a[title="x]', "unclosed"],
    ["x".repeat(513), "at most 512"],
    ["[data-p13n-slot]", "the Worker's own"],
    ["div[DATA-P13N-variant=x]", "the Worker's own"],
    ["svg|rect", "namespaces"],
    ["a >", "both sides"],
    ["> a", "both sides"],
  ])("refuses %s", (s, why) => {
    expect(selectorProblem(s)).toContain(why);
  });

  // The picker checks as the editor edits; publishing checks with src/match/slot-selector.ts. The
  // picker may be stricter (one selector, no lists), never looser: what it lets through publishes.
  it.each([
    "footer.site-footer", "#newsletter", "main > section:nth-of-type(2)", "div.hero h1", "ul li:first-child", 'a[href^="/products"]', 'a[title="a + b ~ c"]',
    "p:not(.lead)", "li:nth-child(2n+1)", "h1, h2", "h1 + p", "h1 ~ p", "p::before", "li:last-child", "a:hover", 'a[title="x]', "[data-p13n-slot]",
    "div[data-p13n-variant=x]", "svg|rect", '[lang|="en"]', "*", "div > *", "a[href$=x i]", "div:first-of-type", ":not(.x)", "a >", "> a", ".a.b", "h2:nth-of-type(-n+3)",
    "p:first-child:not(.x)", "[class]", "a:has(b)", "li:nth-last-child(2)", "div:empty", "p:only-child", "div:first-of-type > p.lead:nth-child(3)",
  ])("what it accepts, publishing accepts: %s", (s) => {
    if (selectorProblem(s) === "") expect(checkSelector(s)).toBeUndefined();
  });
});

describe("the slot name proposed", () => {
  it("its id, else its first class, else its tag, as a slot id", () => {
    expect(slotIdFor({ id: "Main Footer", classList: ["x"], tagName: "FOOTER" })).toBe("main-footer");
    expect(slotIdFor({ id: "", classList: ["site-footer", "dark"], tagName: "FOOTER" })).toBe("site-footer");
    expect(slotIdFor({ id: "", classList: [], tagName: "ASIDE" })).toBe("aside");
    expect(slotIdFor({ id: "--", classList: [], tagName: "DIV" })).toBe("slot");
    expect(slotIdFor({ id: "x".repeat(100), classList: [], tagName: "DIV" })).toHaveLength(64);
  });
});
