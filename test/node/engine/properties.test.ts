// Properties (fast-check): determinism, stickiness, allocation within tolerance over 100,000 ids,
// hash uniformity, and "no eligible variant → default".
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { decide } from "../../../src/engine/decide.ts";
import { BUCKETS, bucketOf, hash32 } from "../../../src/engine/hash.ts";
import { compileManifest } from "../../../src/engine/compile.ts";
import { assignExperiment } from "../../../src/engine/experiments.ts";
import { makeFacts } from "../../../src/engine/attributes.ts";
import type { RuleShape } from "../../../src/engine/schema.ts";
import type { DeviceClass, Profile, RequestContext, VisitorSnapshot } from "../../../src/engine/types.ts";
import { NOW, context, input, manifest, variant } from "./fixtures.ts";

const arbContext: fc.Arbitrary<RequestContext> = fc.record({
  path: fc.constantFrom("/", "/products/leggings", "/sale", "/blog/yoga", "/cart"),
  query: fc.dictionary(fc.constantFrom("q", "page", "ref"), fc.string({ maxLength: 5 })),
  utm: fc.dictionary(fc.constantFrom("source", "campaign"), fc.constantFrom("newsletter", "google", "spring")),
  device: fc.constantFrom<DeviceClass>("mobile", "tablet", "desktop", "bot", "unknown"),
  country: fc.constantFrom("DE", "US", "JP", "FR"),
  timezone: fc.constantFrom("Europe/Berlin", "America/New_York", "Asia/Tokyo", "UTC"),
  gpc: fc.boolean(),
});
const arbProfile: fc.Arbitrary<Profile | null> = fc.option(
  fc.record({
    sub: fc.string({ minLength: 1, maxLength: 8 }),
    tier: fc.constantFrom("gold", "silver", "bronze"),
    stage: fc.constantFrom("new" as const, "developing" as const, "established" as const),
    prefs: fc.record({ topics: fc.subarray(["yoga", "running", "outdoor"]), frequency: fc.constantFrom("fewer" as const, "normal" as const, "more" as const) }),
    exp: fc.constant(NOW / 1000 + 60),
    iat: fc.constant(NOW / 1000 - 60),
  }),
);
const arbSnapshot: fc.Arbitrary<VisitorSnapshot | null> = fc.option(
  fc.record({
    visits: fc.nat(20),
    interests: fc.dictionary(fc.constantFrom("yoga", "running", "outdoor"), fc.double({ min: 0, max: 1, noNaN: true })),
    recentViews: fc.dictionary(fc.constantFrom("yoga", "running", "leggings"), fc.nat(6)),
    cart: fc.record({ count: fc.nat(5), items: fc.constant([]), abandoned: fc.boolean() }),
    openServiceCase: fc.boolean(),
    lastConversionAt: fc.integer({ min: NOW - 72 * 3_600_000, max: NOW }),
    impressions: fc.dictionary(fc.constantFrom("hero/promo", "campaign:spring"), fc.array(fc.integer({ min: NOW - 48 * 3_600_000, max: NOW }), { maxLength: 5 })),
  }),
);

const rich = manifest({
  segments: { gold: { attr: "profile.tier", eq: "gold" }, shopper: { any: [{ attr: "visitor.cart.items", gt: 0 }, { attr: "context.path", matches: "^/products/" }] } },
  holdout: { share: 0.05, salt: "g" },
  slots: {
    hero: [
      variant("cart", { priority: 5, audience: { all: [{ segment: "shopper" }, { attr: "visitor.cart.abandoned", eq: true }] } }),
      variant("gold", { priority: 4, audience: { segment: "gold" } }),
      variant("promo", { priority: 3, promotional: true, campaign: "spring", cap: { max: 2, periodHours: 24, scope: "campaign" } }),
      variant("evening", { priority: 2, schedule: { hours: [18, 23] } }),
      variant("yoga", { topics: ["yoga"] }),
      variant("run", { topics: ["running"] }),
      variant("b", { experimentOnly: true }),
    ],
    side: [variant("x", { experimentOnly: true }), variant("y", { audience: { attr: "context.device", eq: "mobile" } })],
  },
  experiments: {
    e: { slots: ["hero", "side"], salt: "e1", holdout: 0.1, traffic: 0.7, arms: [{ id: "control", weight: 1, variants: {} }, { id: "t", weight: 1, variants: { hero: "b", side: "x" } }] },
  },
});

const arbInput = fc.record({
  profile: arbProfile,
  context: arbContext,
  snapshot: arbSnapshot,
  unitId: fc.option(fc.string({ minLength: 1, maxLength: 12 })),
  consent: fc.record({ personalize: fc.boolean(), track: fc.boolean() }),
  now: fc.integer({ min: NOW - 30 * 86_400_000, max: NOW + 30 * 86_400_000 }),
});

describe("properties", () => {
  it("determinism: the same input always gives the same result", () => {
    fc.assert(
      fc.property(arbInput, (x) => {
        const a = decide(input(rich, x));
        const b = decide(input(rich, structuredClone(x)));
        expect(b).toEqual(a);
      }),
      { numRuns: 300 },
    );
  });

  it("every decision is the default or one of the slot's variants with its own html; every loser is explained", () => {
    fc.assert(
      fc.property(arbInput, (x) => {
        for (const d of decide(input(rich, x)).decisions) {
          const vs = rich.slots[d.slot]!.variants;
          if (d.variant === null) expect(d.html).toBeNull();
          else expect(d.html).toBe(vs.find((v) => v.id === d.variant)!.html);
          if (!d.reasons.some((r) => r.startsWith("global holdout"))) {
            const explained = new Set([...d.rejected.map((r) => r.variant), ...(d.variant ? [d.variant] : [])]);
            expect(explained.size).toBe(vs.length);
          }
          expect(d.reasons.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("stickiness: the experiment assignment depends only on the unit id", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 40 }), arbInput, arbInput, (unitId, a, b) => {
        const ra = decide(input(rich, { ...a, unitId, consent: { personalize: true, track: true } }));
        const rb = decide(input(rich, { ...b, unitId, consent: { personalize: true, track: true } }));
        expect(rb.holdout).toBe(ra.holdout);
        expect(rb.decisions.map((d) => d.experiment)).toEqual(ra.decisions.map((d) => d.experiment));
      }),
      { numRuns: 300 },
    );
  });

  it("no eligible variant → default: variants whose audiences cannot match leave the slot untouched", () => {
    const impossible: fc.Arbitrary<RuleShape> = fc.constantFrom<RuleShape>(
      { attr: "context.country", eq: "ZZ" },
      { all: [{ attr: "context.gpc", eq: true }, { attr: "context.gpc", eq: false }] },
      { any: [] },
      { not: { attr: "context.path", startsWith: "/" } },
      { attr: "time.hour", gt: 23 },
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(impossible, fc.integer({ min: -5, max: 5 }), fc.boolean()), { minLength: 1, maxLength: 8 }), arbInput, (specs, x) => {
        const m = manifest({ slots: { s: specs.map(([audience, priority, promotional], i) => variant(`v${i}`, { audience, priority, promotional })) } });
        const d = decide(input(m, x)).decisions[0]!;
        expect(d.variant).toBeNull();
        expect(d.html).toBeNull();
        expect(d.rejected).toHaveLength(specs.length);
      }),
      { numRuns: 200 },
    );
  });

  it("a variant with no rule, schedule, cap or flag is always eligible unless globally held out", () => {
    const m = manifest({ slots: { s: [variant("a", { audience: { attr: "context.country", eq: "ZZ" } }), variant("always")] } });
    fc.assert(
      fc.property(arbInput, (x) => {
        expect(decide(input(m, x)).decisions[0]!.variant).toBe("always");
      }),
    );
  });
});

describe("allocation over 100,000 ids", () => {
  const N = 100_000;
  const ids = Array.from({ length: N }, (_, i) => `user-${i}`);

  /** Within 5 standard deviations of a binomial share: fails on a real skew, not on chance. */
  const within = (count: number, p: number) => {
    const sd = Math.sqrt(N * p * (1 - p));
    expect(Math.abs(count - N * p), `count ${count}, expected ${N * p} ± ${5 * sd}`).toBeLessThan(5 * sd);
  };

  it("buckets are uniform (chi-square over 100 bins) for sequential and random ids", () => {
    const chi = (keys: string[]) => {
      const bins = new Array<number>(100).fill(0);
      for (const k of keys) bins[Math.floor(bucketOf("salt", k) / 100)]!++;
      const e = keys.length / 100;
      return bins.reduce((s, o) => s + ((o - e) * (o - e)) / e, 0);
    };
    // 99 degrees of freedom: p = 0.001 critical value ≈ 148.2.
    expect(chi(ids)).toBeLessThan(148.2);
    const random = fc.sample(fc.uuid(), { numRuns: N, seed: 42 });
    expect(chi(random)).toBeLessThan(148.2);
  });

  it("weights 1:2:1 with a 10% holdout and 50% traffic land within tolerance", () => {
    const m = manifest({
      slots: { s: [variant("a", { experimentOnly: true }), variant("b", { experimentOnly: true }), variant("c", { experimentOnly: true })] },
      experiments: {
        e: {
          slots: ["s"],
          salt: "alloc-2026",
          traffic: 0.5,
          holdout: 0.1,
          arms: [
            { id: "a", weight: 1, variants: { s: "a" } },
            { id: "b", weight: 2, variants: { s: "b" } },
            { id: "c", weight: 1, variants: { s: "c" } },
          ],
        },
      },
    });
    const x = compileManifest(m).experiments[0]!;
    const facts = makeFacts({ profile: null, context: context(), snapshot: null, now: NOW, personalize: true });
    const counts: Record<string, number> = { out: 0, holdout: 0, a: 0, b: 0, c: 0 };
    for (const id of ids) {
      const o = assignExperiment(x, facts, id, true, undefined);
      counts[o.entered ? o.assignment.arm : "out"]!++;
    }
    within(counts.out!, 0.5);
    within(counts.holdout!, 0.5 * 0.1);
    within(counts.a!, 0.5 * 0.9 * 0.25);
    within(counts.b!, 0.5 * 0.9 * 0.5);
    within(counts.c!, 0.5 * 0.9 * 0.25);
  });

  it("learned allocation weights are honoured within tolerance", () => {
    const m = manifest({
      slots: { s: [variant("a"), variant("b")] },
      experiments: { e: { slots: ["s"], salt: "bandit", bandit: true, arms: [{ id: "a", weight: 1, variants: { s: "a" } }, { id: "b", weight: 1, variants: { s: "b" } }] } },
    });
    const x = compileManifest(m).experiments[0]!;
    const facts = makeFacts({ profile: null, context: context(), snapshot: null, now: NOW, personalize: true });
    let b = 0;
    for (const id of ids) {
      const o = assignExperiment(x, facts, id, true, { e: { a: 0.2, b: 0.8 } });
      if (o.entered && o.assignment.arm === "b") b++;
    }
    within(b, 0.8);
  });

  it("global holdout share within tolerance", () => {
    let held = 0;
    for (const id of ids) if (bucketOf("global-2026", id) < 0.05 * BUCKETS) held++;
    within(held, 0.05);
  });

  it("hash32 is an unsigned 32-bit integer for any string", () => {
    fc.assert(fc.property(fc.string({ unit: "grapheme" }), (s) => {
      const h = hash32(s);
      expect(Number.isInteger(h) && h >= 0 && h < 2 ** 32).toBe(true);
    }));
  });
});
