// The preview's element picker's pure helpers (src/client/picker.browser.js, the module preview
// pages load): which selectors HTMLRewriter can use, and the slot name proposed for an element.
// The selector it proposes on a real page is tested in Chromium (test/browser/editor.test.ts).
import { describe, expect, it } from "vitest";
import { selectorProblem, slotIdFor } from "../../../src/client/picker.browser.js";

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
  ])("refuses %s", (s, why) => {
    expect(selectorProblem(s)).toContain(why);
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
