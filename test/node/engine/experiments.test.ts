// Experiments: hashing, A/B/n, multivariate, control, holdouts (global and per experiment), traffic, layers, allocation seam.
import { describe, expect, it } from "vitest";
import { decide } from "../../../src/engine/decide.ts";
import fc from "fast-check";
import { bucketFrom, bucketOf, hash32, saltState } from "../../../src/engine/hash.ts";
import type { DecideInput } from "../../../src/engine/types.ts";
import { context, input, manifest, profile, snapshot, variant } from "./fixtures.ts";

/** Reference: FNV-1a over TextEncoder bytes + fmix32, written independently of the engine's inline UTF-8. */
function reference(s: string): number {
  let h = 0x811c9dc5;
  for (const b of new TextEncoder().encode(s)) h = Math.imul(h ^ b, 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

describe("hash", () => {
  it("matches the reference for ASCII, accents, CJK, emoji and lone surrogates", () => {
    for (const s of ["", "a", "salt:visitor-1", "café", "訪問者", "👩‍💻 user", "x\ud800y", "\udc00", "é".repeat(300)]) {
      expect(hash32(s), JSON.stringify(s)).toBe(reference(s));
    }
  });
  it("is pinned: other channels reproduce these exact values", () => {
    expect([hash32(""), hash32("a")]).toEqual([2872998923, 444641715]);
    expect([bucketOf("s", "u"), bucketOf("hero-test", "visitor-123"), bucketOf("global", "user-1")]).toEqual([8978, 4427, 4851]);
  });
  it("a bucket continued from the salt's hash state (compiled once per manifest) is the bucket of the whole key", () => {
    for (const [salt, unit] of [["s", "u"], ["hero-test", "visitor-123"], ["café", "訪問者"], ["x\ud800", "\udc00y"], ["", ""]]) {
      expect(bucketFrom(saltState(salt!), unit!), JSON.stringify([salt, unit])).toBe(bucketOf(salt!, unit!));
    }
    fc.assert(fc.property(fc.string({ unit: "binary" }), fc.string({ unit: "binary" }), (salt, unit) => bucketFrom(saltState(salt), unit) === bucketOf(salt, unit)), { seed: 1129, numRuns: 500 });
  });
});

/** First unit id (u-0, u-1, …) for which pred holds. */
function findUnit(pred: (id: string) => boolean): string {
  for (let i = 0; i < 100_000; i++) if (pred(`u-${i}`)) return `u-${i}`;
  throw new Error("no unit found");
}

describe("experiments through decide()", () => {
  const slots = {
    hero: [variant("hero-a"), variant("hero-b", { experimentOnly: true }), variant("hero-c", { experimentOnly: true }), variant("hero-gold", { priority: 5, audience: { attr: "profile.tier", eq: "gold" } })],
    cta: [variant("cta-x", { experimentOnly: true }), variant("cta-y", { experimentOnly: true })],
    footer: [variant("foot")],
  };
  const abn = manifest({
    slots,
    experiments: {
      "hero-abn": {
        slots: ["hero"],
        salt: "hero-abn-1",
        arms: [
          { id: "control", weight: 1, variants: { hero: null } },
          { id: "b", weight: 1, variants: { hero: "hero-b" } },
          { id: "c", weight: 2, variants: { hero: "hero-c" } },
        ],
      },
    },
  });
  const run = (m: ReturnType<typeof manifest>, unitId: string | null, extra: Partial<DecideInput> = {}) => decide(input(m, { unitId, ...extra }));

  it("A/B/n: the arm decides the slot, with the assignment and bucket recorded; other slots unaffected", () => {
    const seen = new Map<string, number>();
    for (let i = 0; i < 400; i++) {
      const r = run(abn, `u-${i}`);
      const hero = r.decisions[0]!;
      const arm = hero.experiment!.arm;
      seen.set(arm, (seen.get(arm) ?? 0) + 1);
      expect(hero.experiment!.bucket).toBe(bucketOf("hero-abn-1", `u-${i}`));
      expect(hero.variant).toBe({ control: null, b: "hero-b", c: "hero-c" }[arm]);
      expect(r.decisions[2]!.variant).toBe("foot");
      expect(r.decisions[2]!.experiment).toBeUndefined();
    }
    expect([...seen.keys()].sort()).toEqual(["b", "c", "control"]);
    expect(seen.get("c")!).toBeGreaterThan(seen.get("b")!);
  });

  it("control arm keeps the default even when an audience variant would match", () => {
    const u = findUnit((id) => run(abn, id).decisions[0]!.experiment?.arm === "control");
    const d = run(abn, u, { profile: profile({ tier: "gold" }) }).decisions[0]!;
    expect(d).toMatchObject({ variant: null, html: null, experiment: { id: "hero-abn", arm: "control", holdout: false } });
    expect(d.reasons[0]).toMatch(/control here: default content/);
    expect(d.rejected.map((r) => r.reason)).toEqual(["experiment", "experiment", "experiment", "experiment"]);
  });

  it("without a unit id: no assignment; experiment-only variants rejected for consent; audience selection goes on", () => {
    const d = run(abn, null, { profile: profile({ tier: "gold" }) }).decisions[0]!;
    expect(d.experiment).toBeUndefined();
    expect(d.variant).toBe("hero-gold");
    expect(d.rejected.filter((r) => r.reason === "consent").map((r) => r.variant)).toEqual(["hero-b", "hero-c"]);
    expect(d.reasons[0]).toMatch(/no visitor id/);
  });

  it("experiment-only variants are never reached by audience", () => {
    const m = manifest({ slots: { hero: [variant("x", { experimentOnly: true })] } });
    expect(run(m, "u-1").decisions[0]).toMatchObject({ variant: null, rejected: [{ variant: "x", reason: "experiment" }] });
  });

  it("multivariate: one assignment drives several slots consistently", () => {
    const mv = manifest({
      slots,
      experiments: {
        mv: {
          slots: ["hero", "cta"],
          salt: "mv-1",
          arms: [
            { id: "bx", weight: 1, variants: { hero: "hero-b", cta: "cta-x" } },
            { id: "by", weight: 1, variants: { hero: "hero-b", cta: "cta-y" } },
            { id: "cx", weight: 1, variants: { hero: "hero-c", cta: "cta-x" } },
            { id: "cy", weight: 1, variants: { hero: "hero-c", cta: "cta-y" } },
          ],
        },
      },
    });
    const combos = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const [hero, cta] = run(mv, `u-${i}`).decisions;
      expect(hero!.experiment).toEqual(cta!.experiment);
      const arm = hero!.experiment!.arm;
      expect(`${hero!.variant?.slice(5)}${cta!.variant?.slice(4)}`).toBe(arm);
      combos.add(arm);
    }
    expect(combos.size).toBe(4);
  });

  it("an arm that omits a slot is the control for it", () => {
    const m = manifest({ slots, experiments: { e: { slots: ["hero", "cta"], salt: "s", arms: [{ id: "only-hero", weight: 1, variants: { hero: "hero-b" } }] } } });
    const [hero, cta] = run(m, "u-1").decisions;
    expect(hero!.variant).toBe("hero-b");
    expect(cta!).toMatchObject({ variant: null, experiment: { arm: "only-hero" } });
  });

  it("per-experiment holdout: share of entrants get the default, recorded as holdout", () => {
    const m = manifest({ slots, experiments: { e: { slots: ["hero"], salt: "ho", holdout: 0.2, arms: [{ id: "b", weight: 1, variants: { hero: "hero-b" } }] } } });
    let held = 0;
    for (let i = 0; i < 5000; i++) {
      const d = run(m, `u-${i}`, { profile: profile({ tier: "gold" }) }).decisions[0]!;
      if (d.experiment!.holdout) {
        held++;
        expect(d.variant).toBeNull();
        expect(d.experiment!.arm).toBe("holdout");
        expect(d.experiment!.bucket).toBeLessThan(2000);
      } else {
        expect(d.variant).toBe("hero-b");
      }
    }
    expect(held / 5000).toBeGreaterThan(0.18);
    expect(held / 5000).toBeLessThan(0.22);
  });

  it("global holdout: no personalization anywhere for the held-out share", () => {
    const m = manifest({ slots, holdout: { share: 0.1, salt: "global-2026" }, experiments: abn.experiments });
    const u = findUnit((id) => bucketOf("global-2026", id) < 1000);
    const r = run(m, u, { profile: profile({ tier: "gold" }) });
    expect(r.holdout).toBe(true);
    expect(r.decisions.map((d) => d.variant)).toEqual([null, null, null]);
    expect(r.decisions[0]!.reasons[0]).toMatch(/global holdout/);
    const other = findUnit((id) => bucketOf("global-2026", id) >= 1000);
    const r2 = run(m, other);
    expect(r2.holdout).toBe(false);
    expect(r2.decisions[2]!.variant).toBe("foot");
    // Without a unit id nobody can be held out.
    expect(run(m, null).holdout).toBe(false);
  });

  it("traffic: only the share that enters is assigned; ramping traffic up keeps arms", () => {
    const at = (traffic: number) =>
      manifest({ slots, experiments: { e: { slots: ["hero"], salt: "tr", traffic, arms: [{ id: "b", weight: 1, variants: { hero: "hero-b" } }, { id: "c", weight: 1, variants: { hero: "hero-c" } }] } } });
    const low = at(0.3);
    const high = at(0.8);
    let entered = 0;
    for (let i = 0; i < 4000; i++) {
      const a = run(low, `u-${i}`).decisions[0]!;
      const b = run(high, `u-${i}`).decisions[0]!;
      if (a.experiment) {
        entered++;
        expect(b.experiment?.arm).toBe(a.experiment.arm);
      } else {
        expect(a.reasons[0]).toMatch(/outside the 30% traffic/);
      }
    }
    expect(entered / 4000).toBeGreaterThan(0.27);
    expect(entered / 4000).toBeLessThan(0.33);
  });

  it("layers: experiments in one layer are mutually exclusive and split it evenly", () => {
    const m = manifest({
      slots,
      experiments: {
        one: { slots: ["hero"], salt: "one", layer: "homepage", arms: [{ id: "b", weight: 1, variants: { hero: "hero-b" } }] },
        two: { slots: ["cta"], salt: "two", layer: "homepage", arms: [{ id: "x", weight: 1, variants: { cta: "cta-x" } }] },
      },
    });
    let one = 0;
    let two = 0;
    for (let i = 0; i < 4000; i++) {
      const [hero, cta] = run(m, `u-${i}`).decisions;
      expect(Boolean(hero!.experiment) && Boolean(cta!.experiment)).toBe(false);
      expect(Boolean(hero!.experiment) || Boolean(cta!.experiment)).toBe(true);
      if (hero!.experiment) one++;
      if (cta!.experiment) two++;
    }
    expect(Math.abs(one - two)).toBeLessThan(300);
  });

  it("overlapping experiments outside a shared layer: the first by id claims the slot, the other is skipped whole", () => {
    const m = manifest({
      slots,
      experiments: {
        a: { slots: ["hero"], salt: "a", arms: [{ id: "b", weight: 1, variants: { hero: "hero-b" } }] },
        b: { slots: ["hero", "cta"], salt: "b", arms: [{ id: "cx", weight: 1, variants: { hero: "hero-c", cta: "cta-x" } }] },
      },
    });
    const [hero, cta] = run(m, "u-1").decisions;
    expect(hero!.experiment!.id).toBe("a");
    expect(cta!.experiment).toBeUndefined();
    expect(cta!.variant).toBeNull();
    expect(cta!.reasons[0]).toMatch(/experiment b skipped: slot hero already in experiment a/);
  });

  it("paused and ended experiments assign nobody", () => {
    for (const status of ["paused", "ended"] as const) {
      const m = manifest({ slots, experiments: { e: { slots: ["hero"], salt: "p", status, arms: [{ id: "b", weight: 1, variants: { hero: "hero-b" } }] } } });
      expect(run(m, "u-1").decisions[0]!.experiment).toBeUndefined();
    }
  });

  it("experiment audience: outside it the slot is decided normally; personal audiences need consent", () => {
    const m = manifest({
      slots,
      experiments: { e: { slots: ["hero"], salt: "aud", audience: { attr: "profile.tier", eq: "gold" }, arms: [{ id: "b", weight: 1, variants: { hero: "hero-b" } }] } },
    });
    expect(run(m, "u-1", { profile: profile({ tier: "gold" }) }).decisions[0]!.variant).toBe("hero-b");
    const silver = run(m, "u-1", { profile: profile({ tier: "silver" }) }).decisions[0]!;
    expect(silver.experiment).toBeUndefined();
    expect(silver.variant).toBe("hero-a");
    expect(silver.reasons[0]).toBe("not in the audience of experiment e");
    const noConsent = run(m, "u-1", { profile: profile({ tier: "gold" }), consent: { personalize: false, track: true } }).decisions[0]!;
    expect(noConsent.experiment).toBeUndefined();
    expect(noConsent.reasons[0]).toMatch(/targets personal data/);
  });

  it("an arm's variant still passes timing, suppression and caps; failing it keeps the default but records the assignment", () => {
    const m = manifest({
      slots: { hero: [variant("promo", { experimentOnly: true, promotional: true }), variant("x")] },
      experiments: { e: { slots: ["hero"], salt: "s", arms: [{ id: "promo", weight: 1, variants: { hero: "promo" } }] } },
    });
    const d = run(m, "u-1", { snapshot: snapshot({ openServiceCase: true }) }).decisions[0]!;
    expect(d).toMatchObject({ variant: null, experiment: { id: "e", arm: "promo" } });
    expect(d.rejected).toContainEqual({ variant: "promo", reason: "suppressed", detail: "open service case: no promotions or cross-sell" });
    expect(run(m, "u-1", { snapshot: snapshot() }).decisions[0]!.variant).toBe("promo");
  });

  it("allocation seam: learned weights apply to bandit experiments only", () => {
    const exp = (bandit: boolean) =>
      manifest({
        slots,
        experiments: {
          e: { slots: ["hero"], salt: "band", bandit, arms: [{ id: "b", weight: 1, variants: { hero: "hero-b" } }, { id: "c", weight: 1, variants: { hero: "hero-c" } }] },
        },
      });
    const allocation = { e: { b: 0, c: 1 } };
    const arms = (m: ReturnType<typeof manifest>) => new Set(Array.from({ length: 300 }, (_, i) => run(m, `u-${i}`, { allocation }).decisions[0]!.experiment!.arm));
    expect([...arms(exp(true))]).toEqual(["c"]);
    expect([...arms(exp(false))].sort()).toEqual(["b", "c"]);
    // All-zero learned weights fall back to the manifest's.
    expect(run(exp(true), "u-1", { allocation: { e: { b: 0, c: 0 } } }).decisions[0]!.experiment).toBeDefined();
  });

  it("assignment does not depend on context, profile, time or which slots are asked for", () => {
    const base = run(abn, "u-42").decisions[0]!.experiment;
    const other = run(abn, "u-42", { context: context({ country: "JP", device: "mobile" }), profile: profile({ tier: "gold" }), now: 0, slots: ["hero"] }).decisions[0]!.experiment;
    expect(other).toEqual(base);
  });
});
