// decide(): audience rules, segments, priority, default fallback, slot selection, result shape.
import { describe, expect, it } from "vitest";
import { decide } from "../../../src/engine/decide.ts";
import { context, input, manifest, profile, snapshot, variant } from "./fixtures.ts";

const gold = { attr: "profile.tier", eq: "gold" } as const;

describe("decide: audience, segments, priority, default", () => {
  const m = manifest({
    segments: { gold: gold, returning: { attr: "visitor.visits", gte: 2 }, "gold-returning": { all: [{ segment: "gold" }, { segment: "returning" }] } },
    slots: {
      hero: [
        variant("gold-returning", { priority: 3, audience: { segment: "gold-returning" } }),
        variant("gold-offer", { priority: 2, audience: { segment: "gold" } }),
        variant("welcome", { priority: 1, audience: { attr: "visitor.new", eq: true } }),
      ],
      footer: [variant("everyone")],
    },
  });

  const cases: { name: string; tier?: string; visits?: number; want: string | null }[] = [
    { name: "gold and returning → the higher-priority segment", tier: "gold", visits: 5, want: "gold-returning" },
    { name: "gold, first visit → gold offer beats welcome by priority", tier: "gold", visits: 1, want: "gold-offer" },
    { name: "silver, first visit → welcome", tier: "silver", visits: 1, want: "welcome" },
    { name: "silver, returning → nothing eligible → default", tier: "silver", visits: 4, want: null },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = decide(input(m, { profile: profile(c.tier ? { tier: c.tier } : {}), snapshot: snapshot({ visits: c.visits ?? 0 }) }));
      const hero = r.decisions.find((d) => d.slot === "hero")!;
      expect(hero.variant).toBe(c.want);
      if (c.want === null) {
        expect(hero.html).toBeNull();
        expect(hero.reasons).toContain("no eligible variant: default content");
        expect(hero.rejected.map((x) => x.variant)).toEqual(["gold-returning", "gold-offer", "welcome"]);
      } else {
        expect(hero.html).toBe(`<p>${c.want}</p>`);
      }
    });
  }

  it("decides every manifest slot when no slots are given, in manifest order", () => {
    const r = decide(input(m));
    expect(r.decisions.map((d) => d.slot)).toEqual(["hero", "footer"]);
    expect(r.decisions[1]!.variant).toBe("everyone");
    expect(r.manifestVersion).toBe("test-1");
    expect(r.holdout).toBe(false);
  });

  it("decides only the requested slots, and unknown ones keep the default", () => {
    const r = decide(input(m, { slots: ["footer", "nope"] }));
    expect(r.decisions.map((d) => [d.slot, d.variant])).toEqual([
      ["footer", "everyone"],
      ["nope", null],
    ]);
    expect(r.decisions[1]!.reasons[0]).toMatch(/not in the manifest/);
  });

  it("records why the winner won and why each other candidate lost", () => {
    const r = decide(input(m, { profile: profile({ tier: "gold" }), snapshot: snapshot({ visits: 1 }) }));
    const hero = r.decisions[0]!;
    expect(hero.reasons[0]).toBe("audience matched: segment gold");
    expect(hero.reasons[1]).toBe("score 200 = 100·2 + 10·0 + 5·0 + 1·0");
    expect(hero.score).toBe(200);
    expect(hero.rejected).toEqual([
      { variant: "gold-returning", reason: "audience", detail: "audience did not match: segment gold-returning" },
      { variant: "welcome", reason: "outscored", detail: "score 100 = 100·1 + 10·0 + 5·0 + 1·0 < 200" },
    ]);
  });

  it("ties keep the variant listed first", () => {
    const t = manifest({ slots: { s: [variant("first"), variant("second")] } });
    expect(decide(input(t)).decisions[0]!.variant).toBe("first");
  });

  it("an empty slot keeps the default", () => {
    const t = manifest({ slots: { s: [] } });
    const d = decide(input(t)).decisions[0]!;
    expect(d).toMatchObject({ variant: null, html: null, rejected: [] });
  });

  it("does not mutate its input and gives the same answer twice", () => {
    const inp = input(m, { profile: profile({ tier: "gold" }), snapshot: snapshot({ visits: 9 }), context: context({ timezone: "Europe/Berlin" }) });
    const before = JSON.stringify(inp);
    const a = decide(inp);
    const b = decide(inp);
    expect(JSON.stringify(inp)).toBe(before);
    expect(b).toEqual(a);
  });

  it("segments are memoized per request, not across requests", () => {
    const t = manifest({
      segments: { de: { attr: "context.country", eq: "DE" } },
      slots: { a: [variant("x", { audience: { segment: "de" } })], b: [variant("y", { audience: { not: { segment: "de" } } })] },
    });
    const de = decide(input(t, { context: context({ country: "DE" }) }));
    const fr = decide(input(t, { context: context({ country: "FR" }) }));
    expect(de.decisions.map((d) => d.variant)).toEqual(["x", null]);
    expect(fr.decisions.map((d) => d.variant)).toEqual([null, "y"]);
  });
});
