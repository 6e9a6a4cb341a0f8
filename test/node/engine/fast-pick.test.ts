// The fast pick (decide(): candidates best priority first, stopping once nothing later can
// win, nothing worded) against the full evaluation (decideInFull(): every variant through
// every gate): the same variant, html, score and experiment for every slot, and the same
// explanation when it is read. Generated manifests and visitors, fixed seeds.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { decide, decideInFull } from "../../../src/engine/decide.ts";
import type { RuleShape } from "../../../src/engine/schema.ts";
import type { DecideInput, DeviceClass, Manifest, Profile, RequestContext, VisitorSnapshot } from "../../../src/engine/types.ts";
import { HOUR, NOW, input, manifest, variant } from "./fixtures.ts";

const TOPICS = ["yoga", "running", "outdoor", "kids"];

/** Rules of every kind the gates meet: context, time, personal (consent), regexes, segments, nesting. */
const arbRule: fc.Arbitrary<RuleShape> = fc.letrec<{ rule: RuleShape }>((tie) => ({
  rule: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constantFrom<RuleShape>(
      { attr: "context.device", eq: "mobile" },
      { attr: "context.country", in: ["DE", "FR"] },
      { attr: "context.path", matches: "^/(products|sale)" },
      { attr: "context.utm.source", eq: "newsletter" },
      { attr: "time.hour", between: [9, 17] },
      { attr: "time.weekday", in: ["sat", "sun"] },
      { attr: "profile.tier", eq: "gold" },
      { attr: "visitor.visits", gte: 3 },
      { attr: "visitor.cart.items", gt: 0 },
      { attr: "visitor.interest.yoga", gte: 0.5 },
      { attr: "prefs.topics", contains: "running" },
      { segment: "gold" },
      { segment: "shopper" },
    ),
    fc.record({ all: fc.array(tie("rule"), { maxLength: 3 }) }),
    fc.record({ any: fc.array(tie("rule"), { maxLength: 3 }) }),
    fc.record({ not: tie("rule") }),
  ),
})).rule;

const arbVariant = fc.record(
  {
    // Few distinct priorities, fractions and negatives: ties and near-ties are the hard part.
    priority: fc.constantFrom(0, 0, 1, 1, 2, 3, -1, 0.5, 0.16, 1.04),
    topics: fc.subarray(TOPICS, { maxLength: 2 }),
    audience: fc.option(arbRule, { nil: undefined }),
    suppressWhen: fc.option(arbRule, { freq: 4, nil: undefined }),
    promotional: fc.boolean(),
    campaign: fc.option(fc.constantFrom("spring", "summer"), { nil: undefined }),
    cap: fc.option(fc.record({ max: fc.integer({ min: 1, max: 3 }), periodHours: fc.constantFrom(1, 24), scope: fc.constantFrom("variant" as const, "campaign" as const) }), {
      nil: undefined,
    }),
    schedule: fc.option(
      fc.oneof(
        fc.record({ hours: fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 23 })) }),
        fc.record({ start: fc.constant(new Date(NOW - 2 * HOUR).toISOString()), end: fc.constant(new Date(NOW + 2 * HOUR).toISOString()) }),
        fc.record({ days: fc.subarray(["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const, { minLength: 1 }) }),
      ),
      { freq: 3, nil: undefined },
    ),
  },
  { requiredKeys: ["priority", "topics", "promotional"] },
);

function strip<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, x]) => x !== undefined)) as T;
}

const arbManifest: fc.Arbitrary<Manifest> = fc
  .record({
    slots: fc.array(fc.array(arbVariant, { minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 4 }),
    onlyInExperiment: fc.boolean(),
    experiment: fc.boolean(),
    quiet: fc.constantFrom(0, 24),
    serviceCase: fc.boolean(),
  })
  .map(({ slots, onlyInExperiment, experiment, quiet, serviceCase }) => {
    const bySlot: Record<string, ReturnType<typeof variant>[]> = {};
    slots.forEach((vs, s) => {
      // Every other variant names the visitor's cart: the fast pick must hand over filled HTML too.
      const html = (i: number) => (i % 2 === 1 ? `<p>v${i}: {{cart.items.0.name | default: "nothing"}}</p>` : undefined);
      bySlot[`s${s}`] = vs.map((x, i) => variant(`v${i}`, strip({ ...x, html: html(i), experimentOnly: onlyInExperiment && i === vs.length - 1 ? true : undefined })));
    });
    return manifest({
      slots: bySlot,
      segments: { gold: { attr: "profile.tier", in: ["gold", "platinum"] }, shopper: { any: [{ attr: "visitor.cart.items", gt: 0 }, { attr: "context.path", matches: "^/products/" }] } },
      policy: { quietHoursAfterConversion: quiet, serviceCaseSuppressesPromotions: serviceCase },
      ...(experiment
        ? {
            experiments: {
              e: { slots: ["s0"], salt: "fp", holdout: 0.1, traffic: 0.5, arms: [{ id: "control", weight: 1, variants: {} }, { id: "t", weight: 1, variants: { s0: "v0" } }] },
            },
          }
        : {}),
    });
  });

const arbContext: fc.Arbitrary<RequestContext> = fc.record({
  path: fc.constantFrom("/", "/products/leggings", "/sale", "/blog/yoga"),
  query: fc.constant({}),
  utm: fc.constantFrom<Record<string, string>>({}, { source: "newsletter" }),
  device: fc.constantFrom<DeviceClass>("mobile", "desktop", "tablet"),
  country: fc.constantFrom("DE", "US", "FR"),
  timezone: fc.constantFrom("Europe/Berlin", "America/New_York", "Asia/Kolkata", "UTC"),
  gpc: fc.boolean(),
});

const arbProfile: fc.Arbitrary<Profile | null> = fc.option(
  fc.record({
    sub: fc.constantFrom("u1", "u2", "u3"),
    tier: fc.constantFrom("gold", "silver"),
    prefs: fc.record({ topics: fc.subarray(TOPICS), frequency: fc.constantFrom("fewer" as const, "normal" as const) }),
    exp: fc.constant(NOW / 1000 + 60),
    iat: fc.constant(NOW / 1000 - 60),
  }),
);

const arbSnapshot: fc.Arbitrary<VisitorSnapshot | null> = fc.option(
  fc.record({
    visits: fc.nat(6),
    // Interests at 0, 1 and between: scores at the bound and ties.
    interests: fc.dictionary(fc.constantFrom(...TOPICS), fc.constantFrom(0, 0.2, 0.5, 1, 1.5)),
    recentViews: fc.dictionary(fc.constantFrom(...TOPICS), fc.nat(5)),
    cart: fc
      .record({ items: fc.array(fc.record({ sku: fc.constantFrom("A", "B"), qty: fc.integer({ min: 1, max: 2 }), name: fc.constantFrom("Aero <3", "Tempo") }), { maxLength: 2 }), abandoned: fc.boolean() })
      .map((c) => ({ ...c, count: c.items.reduce((n, l) => n + l.qty, 0) })),
    openServiceCase: fc.boolean(),
    lastConversionAt: fc.option(fc.integer({ min: NOW - 48 * HOUR, max: NOW }), { nil: undefined }),
    impressions: fc.dictionary(fc.constantFrom("s0/v0", "s0/v1", "s1/v2", "campaign:spring"), fc.array(fc.integer({ min: NOW - 30 * HOUR, max: NOW }), { maxLength: 4 })),
  }),
);

const arbVisitor = fc.record({
  profile: arbProfile,
  context: arbContext,
  snapshot: arbSnapshot,
  unitId: fc.option(fc.constantFrom("a", "b", "c", "d")),
  consent: fc.record({ personalize: fc.boolean(), track: fc.boolean() }),
  statedPrefs: fc.option(fc.record({ frequency: fc.constantFrom("fewer" as const, "more" as const) }), { nil: undefined }),
  now: fc.integer({ min: NOW - 12 * HOUR, max: NOW + 12 * HOUR }),
});

describe("the fast pick against the full evaluation", () => {
  it("picks the same variant, html, score and experiment for every slot, over generated manifests and visitors", () => {
    let scored = 0;
    let chosen = 0;
    let armShown = 0;
    let armWithheld = 0;
    fc.assert(
      fc.property(arbManifest, fc.array(arbVisitor, { minLength: 1, maxLength: 12 }), (m, visitors) => {
        for (const x of visitors) {
          const i: DecideInput = input(m, x);
          const fast = decide(i);
          const full = decideInFull(i);
          expect(fast.holdout).toBe(full.holdout);
          expect(fast.decisions.map((d) => [d.slot, d.variant, d.html, d.score, d.experiment])).toEqual(
            full.decisions.map((d) => [d.slot, d.variant, d.html, d.score, d.experiment]),
          );
          for (const d of full.decisions) {
            if (!d.experiment) scored++;
            if (!d.experiment && d.variant !== null) chosen++;
            if (d.experiment && d.variant !== null) armShown++;
            // The arm's variant held back by a gate that still holds (timing, suppression, cap).
            if (d.experiment && d.variant === null && d.reasons[0]!.includes(": variant ")) armWithheld++;
          }
        }
      }),
      { seed: 20261129, numRuns: 400 },
    );
    // The generators reach the path under test: many scored slots, most of them picking a variant.
    expect(scored).toBeGreaterThan(1000);
    expect(chosen).toBeGreaterThan(scored / 4);
    // And both ways an arm's slot can go in the fast arm pick (fast-pick.ts pickByArm).
    expect(armShown).toBeGreaterThan(20);
    expect(armWithheld).toBeGreaterThan(5);
  });

  it("words the same explanation as the full evaluation when it is read (JSON, reasons, rejected)", () => {
    fc.assert(
      fc.property(arbManifest, arbVisitor, (m, x) => {
        const i = input(m, x);
        const fast = decide(i);
        const full = decideInFull(i);
        expect(JSON.parse(JSON.stringify(fast))).toEqual(JSON.parse(JSON.stringify(full)));
        fast.decisions.forEach((d, k) => {
          expect(d.reasons).toEqual(full.decisions[k]!.reasons);
          expect(d.rejected).toEqual(full.decisions[k]!.rejected);
        });
      }),
      { seed: 1129, numRuns: 300 },
    );
  });

  it("words a decision's explanation from its own request when it is read after other requests were decided (the memo is stamped per request)", () => {
    fc.assert(
      fc.property(arbManifest, fc.array(arbVisitor, { minLength: 2, maxLength: 6 }), (m, visitors) => {
        const inputs = visitors.map((x) => input(m, x));
        // Every request decided first (each reuses the manifest's memo buffers), read afterwards.
        const fast = inputs.map((i) => decide(i));
        inputs.forEach((i, k) => expect(JSON.parse(JSON.stringify(fast[k]))).toEqual(JSON.parse(JSON.stringify(decideInFull(i)))));
      }),
      { seed: 291129, numRuns: 200 },
    );
  });

  it("ties go to the variant listed first, even one ranked after the other by priority", () => {
    // "fit" (priority 0, a stated topic: 100·0 + 10 = 10) ties "high" (100·0.1 = 10), which the
    // ranking walks first; listed first, "fit" wins, as in the full evaluation.
    const m = manifest({
      slots: { s: [variant("fit", { priority: 0, topics: ["yoga"] }), variant("high", { priority: 0.1 }), variant("plain", { priority: 0 })] },
    });
    const who = input(m, { profile: { sub: "u", exp: NOW / 1000 + 60, iat: NOW / 1000 - 60, prefs: { topics: ["yoga"] } } });
    const d = decide(who).decisions[0]!;
    expect(d.variant).toBe(decideInFull(who).decisions[0]!.variant);
    expect(d.variant).toBe("fit");
    expect(d.score).toBe(10);
  });

  it("the walk goes on while a later candidate can still reach the best score (and win the tie by listing)", () => {
    // "fit" reaches its bound exactly: 100·0 + 10 stated + 5·1 inferred + 1·1 recent = 16, the
    // score of "high" (100·0.16), ranked first; listed first, "fit" wins.
    const m = manifest({ slots: { s: [variant("fit", { priority: 0, topics: ["yoga"] }), variant("high", { priority: 0.16 })] } });
    const who = input(m, {
      profile: { sub: "u", exp: NOW / 1000 + 60, iat: NOW / 1000 - 60, prefs: { topics: ["yoga"] } },
      snapshot: { interests: { yoga: 1 }, recentViews: { yoga: 3 } },
    });
    const d = decide(who).decisions[0]!;
    expect(d.variant).toBe(decideInFull(who).decisions[0]!.variant);
    expect(d.variant).toBe("fit");
    expect(d.score).toBe(16);
  });

  it("a rule repeated across variants is evaluated once per request: the same answer everywhere, never another request's or another rule's", () => {
    const onA: RuleShape = { all: [{ attr: "context.path", matches: "^/a" }, { not: { attr: "context.device", eq: "bot" } }] };
    const onB: RuleShape = { all: [{ attr: "context.path", matches: "^/b" }, { not: { attr: "context.device", eq: "bot" } }] };
    const m = manifest({
      slots: {
        x: [variant("a", { audience: onA }), variant("b", { audience: onB })],
        y: [variant("b", { audience: onB }), variant("a", { audience: structuredClone(onA) })],
      },
    });
    const at = (path: string) => decide(input(m, { context: { path, query: {}, utm: {}, device: "desktop", gpc: false } })).decisions.map((d) => d.variant);
    expect(at("/a")).toEqual(["a", "a"]);
    expect(at("/b")).toEqual(["b", "b"]);
    expect(at("/c")).toEqual([null, null]);
    expect(at("/a")).toEqual(["a", "a"]);
  });

  it("a reader may set reasons and rejected (preview lays its own over the rules')", () => {
    const m = manifest({ slots: { s: [variant("a"), variant("b", { priority: 1 })] } });
    const d = decide(input(m)).decisions[0]!;
    d.reasons = ["forced"];
    d.rejected = [];
    expect(d.reasons).toEqual(["forced"]);
    expect(JSON.parse(JSON.stringify(d))).toEqual({ slot: "s", variant: "b", html: "<p>b</p>", reasons: ["forced"], rejected: [], score: 100 });
  });
});
