// Next-best content scoring and explain output.
import { describe, expect, it } from "vitest";
import { RECENT_VIEWS_SATURATION, SCORE_WEIGHTS, SCORING_FORMULA, describeScore, scoreOf, scoreVariant } from "../../../src/engine/scoring.ts";
import { describeRule, summarize } from "../../../src/engine/explain.ts";
import { decide } from "../../../src/engine/decide.ts";
import { compileManifest } from "../../../src/engine/compile.ts";
import { makeFacts } from "../../../src/engine/attributes.ts";
import { NOW, context, input, manifest, profile, snapshot, variant } from "./fixtures.ts";

/** `scoreOf` for the same variant and visitor, through a compiled manifest and its request memo, twice (the second from the memo). */
function compiledScore(...[v, prefs, snap, personalize]: Parameters<typeof scoreVariant>): number {
  const c = compileManifest(manifest({ slots: { s: [variant("x", { priority: v.priority, topics: [...v.topics] })] } }));
  const cv = c.slots.get("s")!.variants[0]!;
  const f = makeFacts({ profile: null, context: context(), snapshot: snap, now: NOW, prefs, personalize, memo: c.memo });
  const first = scoreOf(cv, f, personalize);
  expect(scoreOf(cv, f, personalize)).toBe(first);
  return first;
}

describe("scoreVariant", () => {
  const rows: [string, Parameters<typeof scoreVariant>, number][] = [
    ["priority only", [{ priority: 2, topics: [] }, undefined, null, true], 200],
    ["stated topic", [{ priority: 0, topics: ["yoga"] }, { topics: ["yoga"] }, null, true], 10],
    ["inferred: highest interest among topics", [{ priority: 0, topics: ["yoga", "run"] }, undefined, { interests: { yoga: 0.2, run: 0.6 } }, true], 3],
    ["interest above 1 is clamped", [{ priority: 0, topics: ["yoga"] }, undefined, { interests: { yoga: 7 } }, true], 5],
    ["recent views saturate at 3", [{ priority: 0, topics: ["leggings"] }, undefined, { recentViews: { leggings: 9 } }, true], 1],
    ["recent views partial", [{ priority: 0, topics: ["leggings"] }, undefined, { recentViews: { leggings: 1 } }, true], 1 / 3],
    ["all parts", [{ priority: 1, topics: ["yoga"] }, { topics: ["yoga"] }, { interests: { yoga: 0.4 }, recentViews: { yoga: 3 } }, true], 100 + 10 + 2 + 1],
    ["no consent: inferred and recent ignored, stated kept", [{ priority: 1, topics: ["yoga"] }, { topics: ["yoga"] }, { interests: { yoga: 1 }, recentViews: { yoga: 3 } }, false], 110],
    ["negative priority", [{ priority: -1, topics: [] }, undefined, null, true], -100],
  ];
  for (const [name, args, want] of rows) {
    it(name, () => {
      expect(scoreVariant(...args).score).toBeCloseTo(want, 9);
      // The pick's score (compiled topics, looked up once per request): the same number to the last bit.
      expect(compiledScore(...args)).toBe(scoreVariant(...args).score);
    });
  }

  it("weights keep the documented order: stated outranks all inferred; one priority step outranks all fit", () => {
    const w = SCORE_WEIGHTS;
    expect(w.inferred + w.recent).toBeLessThan(w.stated);
    expect(w.stated + w.inferred + w.recent).toBeLessThan(w.priority);
    expect(RECENT_VIEWS_SATURATION).toBe(3);
    expect(SCORING_FORMULA).toContain("score = 100·priority + 10·stated + 5·inferred + 1·recent");
  });

  it("describeScore", () => {
    expect(describeScore(scoreVariant({ priority: 1, topics: ["yoga"] }, { topics: ["yoga"] }, { interests: { yoga: 0.4 } }, true))).toBe(
      "score 112 = 100·1 + 10·1 + 5·0.4 + 1·0",
    );
  });
});

describe("next-best content through decide()", () => {
  const m = manifest({
    slots: {
      hero: [
        variant("running", { topics: ["running"] }),
        variant("yoga", { topics: ["yoga"] }),
        variant("outdoor", { topics: ["outdoor"] }),
        variant("house", { priority: 1 }),
      ],
    },
  });
  const pick = (p: ReturnType<typeof profile> | null, s: ReturnType<typeof snapshot> | null) => decide(input(m, { profile: p, snapshot: s })).decisions[0]!;

  it("priority wins over any fit", () => {
    expect(pick(profile({ prefs: { topics: ["yoga"] } }), snapshot({ interests: { yoga: 1 } })).variant).toBe("house");
  });
  it("among equal priority: stated beats a stronger inferred interest; inferred beats recency", () => {
    const noHouse = manifest({ slots: { hero: m.slots.hero!.variants.slice(0, 3) } });
    const d = (p: ReturnType<typeof profile> | null, s: ReturnType<typeof snapshot> | null) => decide(input(noHouse, { profile: p, snapshot: s })).decisions[0]!;
    expect(d(profile({ prefs: { topics: ["outdoor"] } }), snapshot({ interests: { yoga: 1 }, recentViews: { yoga: 5 } })).variant).toBe("outdoor");
    expect(d(null, snapshot({ interests: { yoga: 0.5 }, recentViews: { running: 5 } })).variant).toBe("yoga");
    expect(d(null, snapshot({ recentViews: { running: 5 } })).variant).toBe("running");
    const win = d(null, snapshot({ interests: { yoga: 0.5 } }));
    expect(win.score).toBe(2.5);
    expect(win.rejected.map((r) => [r.variant, r.reason])).toEqual([
      ["running", "outscored"],
      ["outdoor", "outscored"],
    ]);
  });
});

describe("explain", () => {
  it("describeRule writes rules back in short text", () => {
    expect(describeRule({ all: [{ attr: "profile.tier", eq: "gold" }, { not: { segment: "returning" } }, { any: [{ attr: "time.hour", between: [18, 23] }] }] })).toBe(
      'all(profile.tier eq "gold", not(segment returning), any(time.hour between [18,23]))',
    );
    const long = describeRule({ any: Array.from({ length: 50 }, (_, i) => ({ attr: "context.path", eq: `/p/${i}` })) });
    expect(long.length).toBe(240);
    expect(long.endsWith("…")).toBe(true);
  });

  it("summarize gives one header-safe line", () => {
    const m = manifest({
      slots: { hero: [variant("b", { experimentOnly: true })], side: [variant("s")] },
      experiments: { e: { slots: ["hero"], salt: "x", arms: [{ id: "t", weight: 1, variants: { hero: "b" } }] } },
    });
    const line = summarize(decide(input(m, { unitId: "ü-1" })));
    expect(line).toMatch(/^v=test-1; hero=b \(exp e\/t#\d{4}\); side=s$/);
    expect(line).toMatch(/^[\x20-\x7e]*$/);
  });
});
