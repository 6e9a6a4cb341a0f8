// The console's pure helpers (src/client/console/format.browser.js), in Node: the same module
// the browser loads as /__p13n/console/format.browser.js.
import { describe, expect, it } from "vitest";
import { chartTop, count, errorText, fmtMs, fmtPct, frameDoc, intervalText, MIN_CONVERSIONS, needsMore, parseAttrs, pct, pPhrase, pText, pctText, previewRequest, signedText, splitList, spreadLabels } from "../../../src/client/console/format.browser.js";

describe("numbers as text", () => {
  it("shares, rates, lifts and intervals", () => {
    expect([pct(0.125), pct(1), pct(1 / 3)]).toEqual(["12.5%", "100%", "33.3%"]);
    expect([pctText(0.03456), pctText(0.03456, 1), pctText(null), pctText(undefined), pctText(Number.NaN)]).toEqual(["3.46%", "3.5%", "—", "—", "—"]);
    expect([signedText(0.052), signedText(-0.1), signedText(0), signedText(null)]).toEqual(["+5.2%", "-10.0%", "+0.0%", "—"]);
    expect(intervalText([0.01, 0.02], (x) => pctText(x))).toBe("[1.00%, 2.00%]");
    expect(intervalText(null, signedText)).toBe("—");
    expect([fmtMs(3.456), fmtMs(12.34), fmtPct(0.4567)]).toEqual(["3.46 ms", "12.3 ms", "45.7%"]);
  });

  it("p-values: four decimals, a floor, and no comparison said as such", () => {
    expect([pText(0.01234), pText(0.00001), pText(null)]).toEqual(["0.0123", "< 0.0001", "—"]);
    expect([pPhrase(0.05), pPhrase(0.00001)]).toEqual(["p = 0.0500", "p < 0.0001"]);
    // No p-value yet is not "p < 0.0001" (null compared as 0 did that).
    expect(pPhrase(null)).toBe("p = —");
  });
});

describe("the admin API in words", () => {
  it("a refusal's code and message, else the status", () => {
    expect(errorText({ status: 422, json: { error: { code: "INVALID_MANIFEST", message: "slots.hero: unknown" } } })).toBe("INVALID_MANIFEST: slots.hero: unknown");
    expect(errorText({ status: 502, json: null })).toBe("HTTP 502");
    expect(errorText({ status: 500, json: { ok: false } })).toBe("HTTP 500");
  });

  it("a fragment's frame document loads the console's stylesheet and nothing else", () => {
    expect(frameDoc("<h1>Hi</h1>")).toBe('<!doctype html><html><head><meta charset="utf-8"><link rel="stylesheet" href="/__p13n/console.css"></head><body class="frame"><h1>Hi</h1></body></html>');
  });
});

describe("the preview form", () => {
  it("lists and attributes: numbers and booleans as themselves, nameless pairs skipped", () => {
    expect(splitList(" running, ,yoga ,")).toEqual(["running", "yoga"]);
    expect(parseAttrs("subscribed=true, visits=3, plan=pro, off=false, empty=, =x, noequals")).toEqual({ subscribed: true, visits: 3, plan: "pro", off: false, empty: "" });
  });

  it("sends only what was filled in", () => {
    expect(previewRequest(() => "", {})).toEqual({ path: "/" });
  });

  it("a filled form: profile, context (country upper-cased, time as UTC ISO), version, forced variants", () => {
    const form: Record<string, string> = { tier: "gold", stage: "new", topics: "running, yoga", frequency: "fewer", attrs: "subscribed=true", device: "mobile", country: "de", at: "2026-11-23T18:30", path: "/shoes", version: "v2" };
    expect(previewRequest((name) => form[name] ?? "", { hero: "gold" })).toEqual({
      path: "/shoes",
      profile: { tier: "gold", stage: "new", topics: ["running", "yoga"], frequency: "fewer", attrs: { subscribed: true } },
      context: { device: "mobile", country: "DE", at: "2026-11-23T18:30:00.000Z" },
      version: "v2",
      variants: { hero: "gold" },
    });
  });
});

describe("the results chart", () => {
  it("its top is 15% over the highest interval bound, at most 100%, 10% without data", () => {
    const day = (arms: Record<string, { interval: [number, number] | null }>) => ({ arms });
    expect(chartTop([day({ a: { interval: [0.01, 0.04] } }), day({ a: { interval: [0.02, 0.08] }, b: { interval: null } })], ["a", "b"])).toBeCloseTo(0.092, 12);
    expect(chartTop([day({ a: { interval: [0.5, 0.95] } })], ["a"])).toBe(1);
    expect(chartTop([day({ a: { interval: null } })], ["a"])).toBe(0.1);
    expect(chartTop([day({ a: { interval: [0.1, 0.2] } })], ["holdout"])).toBe(0.1);
  });
});

describe("results an editor can read", () => {
  it("no comparison before both sides have enough conversions, and it says what is missing", () => {
    expect(MIN_CONVERSIONS).toBe(30);
    expect(needsMore([{ name: "bold", converted: 0 }, { name: "control", converted: 12 }])).toBe("needs 30 more conversions in bold and 18 in control");
    expect(needsMore([{ name: "bold", converted: 29 }, { name: "control", converted: 40 }])).toBe("needs 1 more conversion in bold");
    expect(needsMore([{ name: "bold", converted: 30 }, { name: "control", converted: 30 }])).toBe("");
    expect(count(2800)).toBe("2,800");
  });

  it("chart labels never closer than the gap, within the chart, in their order", () => {
    const cases: Array<[number[], number, number, number]> = [
      [[100, 101, 102], 14, 20, 220],
      [[215, 218, 219, 220], 14, 20, 220],
      [[20, 20, 20], 14, 20, 220],
      [[50, 150], 14, 20, 220],
      [[5, 300], 14, 20, 220],
    ];
    for (const [ys, gap, top, bottom] of cases) {
      const out = spreadLabels(ys, gap, top, bottom);
      const sorted = ys.map((y, i) => [y, out[i]!] as const).sort((a, b) => a[0] - b[0]).map(([, y]) => y);
      for (let i = 1; i < sorted.length; i++) expect(sorted[i]! - sorted[i - 1]!).toBeGreaterThanOrEqual(gap - 1e-9);
      for (const y of out) {
        expect(y).toBeGreaterThanOrEqual(top - (ys.length - 1) * gap);
        expect(y).toBeLessThanOrEqual(bottom);
      }
    }
    // Labels far apart stay where they were.
    expect(spreadLabels([50, 150], 14, 20, 220)).toEqual([50, 150]);
  });
});
