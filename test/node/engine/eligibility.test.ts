// Caps, suppression (timing as a treatment), "fewer promotions", consent: each rejection reason through decide().
import { describe, expect, it } from "vitest";
import { decide } from "../../../src/engine/decide.ts";
import { checkCap } from "../../../src/engine/caps.ts";
import type { DecideInput, RejectReason } from "../../../src/engine/types.ts";
import { HOUR, NOW, context, input, manifest, profile, snapshot, variant } from "./fixtures.ts";

function hero(m: ReturnType<typeof manifest>, extra: Partial<DecideInput> = {}) {
  const d = decide(input(m, extra)).decisions[0]!;
  return { variant: d.variant, reasons: d.reasons, why: Object.fromEntries(d.rejected.map((r) => [r.variant, r.reason])) as Record<string, RejectReason>, rejected: d.rejected };
}

describe("frequency caps", () => {
  const m = manifest({
    slots: {
      hero: [
        variant("promo", { priority: 2, promotional: true, cap: { max: 3, periodHours: 24 } }),
        variant("summer-a", { priority: 1, campaign: "summer", cap: { max: 2, periodHours: 168, scope: "campaign" } }),
        variant("plain"),
      ],
    },
  });
  const stamps = (n: number, ageHours: number) => Array.from({ length: n }, (_, i) => NOW - (ageHours + i * 0.1) * HOUR);

  it("under the cap: shown", () => {
    expect(hero(m, { snapshot: snapshot({ impressions: { "hero/promo": stamps(2, 1) } }) }).variant).toBe("promo");
  });
  it("at the cap within the period: rejected with reason cap", () => {
    const r = hero(m, { snapshot: snapshot({ impressions: { "hero/promo": stamps(3, 1) } }) });
    expect(r.variant).toBe("summer-a");
    expect(r.rejected[0]).toEqual({ variant: "promo", reason: "cap", detail: "3 of 3 impressions in 24h" });
  });
  it("impressions older than the period do not count", () => {
    expect(hero(m, { snapshot: snapshot({ impressions: { "hero/promo": stamps(3, 25) } }) }).variant).toBe("promo");
  });
  it("campaign scope counts every variant of the campaign", () => {
    const r = hero(m, { snapshot: snapshot({ impressions: { "hero/promo": stamps(3, 1), "campaign:summer": stamps(2, 100) } }) });
    expect(r.variant).toBe("plain");
    expect(r.why).toMatchObject({ promo: "cap", "summer-a": "cap" });
    expect(r.rejected[1]!.detail).toBe("2 of 2 impressions of campaign summer in 168h");
  });
  it("without a snapshot nothing can be counted: the cap passes", () => {
    expect(hero(m, { snapshot: null }).variant).toBe("promo");
  });
  it("checkCap halves for fewer promotions, at least 1", () => {
    const s = snapshot({ impressions: { "s/v": [NOW - 1000] } });
    expect(checkCap({ max: 3, periodHours: 1, scope: "variant" }, "s", "v", undefined, s, NOW, true)).toMatchObject({ ok: false, max: 1 });
    expect(checkCap({ max: 1, periodHours: 1, scope: "variant" }, "s", "v", undefined, s, NOW, true)).toMatchObject({ ok: false, max: 1 });
    expect(checkCap({ max: 3, periodHours: 1, scope: "variant" }, "s", "v", undefined, s, NOW, false)).toMatchObject({ ok: true, seen: 1, max: 3 });
  });
  it("future timestamps (clock skew) do not count", () => {
    const s = snapshot({ impressions: { "s/v": [NOW + 5000, NOW + 6000] } });
    expect(checkCap({ max: 1, periodHours: 1, scope: "variant" }, "s", "v", undefined, s, NOW, false).ok).toBe(true);
  });
});

describe("suppression: timing picks when", () => {
  const m = manifest({
    slots: {
      hero: [
        variant("cross-sell", { priority: 5, promotional: true, topics: ["accessories"], audience: { attr: "visitor.conversions", gte: 0 } }),
        variant("support", { priority: 1, suppressWhen: { attr: "visitor.openServiceCase", eq: false } }),
        variant("help"),
      ],
    },
  });

  it("no case, no recent conversion: the cross-sell shows", () => {
    expect(hero(m, { snapshot: snapshot() }).variant).toBe("cross-sell");
  });
  it("an open service case suppresses the cross-sell whatever its audience says", () => {
    const r = hero(m, { snapshot: snapshot({ openServiceCase: true }) });
    expect(r.variant).toBe("support");
    expect(r.rejected[0]).toEqual({ variant: "cross-sell", reason: "suppressed", detail: "open service case: no promotions or cross-sell" });
  });
  it("right after a conversion (default 24 h) promotions are suppressed; after the quiet period they return", () => {
    const just = hero(m, { snapshot: snapshot({ conversions: 1, lastConversionAt: NOW - 2 * HOUR }) });
    expect(just.why["cross-sell"]).toBe("suppressed");
    expect(just.rejected[0]!.detail).toBe("converted 2h ago: no promotions for 24h");
    expect(hero(m, { snapshot: snapshot({ conversions: 1, lastConversionAt: NOW - 25 * HOUR }) }).variant).toBe("cross-sell");
  });
  it("the policy is configurable per manifest", () => {
    const lax = manifest({ policy: { quietHoursAfterConversion: 0, serviceCaseSuppressesPromotions: false }, slots: { hero: [variant("cross-sell", { promotional: true })] } });
    expect(hero(lax, { snapshot: snapshot({ openServiceCase: true, lastConversionAt: NOW - HOUR }) }).variant).toBe("cross-sell");
  });
  it("suppressWhen: the variant's own rule", () => {
    const r = hero(m, { snapshot: snapshot({ openServiceCase: false, conversions: 1, lastConversionAt: NOW - HOUR }) });
    expect(r.variant).toBe("help");
    expect(r.rejected.find((x) => x.variant === "support")).toEqual({ variant: "support", reason: "suppressed", detail: "suppressWhen matched: visitor.openServiceCase eq false" });
  });
  it("non-promotional content is not suppressed by the policy", () => {
    const plain = manifest({ slots: { hero: [variant("news")] } });
    expect(hero(plain, { snapshot: snapshot({ openServiceCase: true, lastConversionAt: NOW - HOUR }) }).variant).toBe("news");
  });
  // Contract changed (issue 12, item 9): suppression sees the same consent-filtered facts as
  // audiences. Withholding a variant from some visitors targets the others.
  it("without personalization consent, suppression does not read the visitor's behaviour either", () => {
    expect(hero(m, { snapshot: snapshot({ openServiceCase: true }), consent: { personalize: false, track: false } }).why["cross-sell"]).toBe("consent");
    const noAudience = manifest({ slots: { hero: [variant("cross-sell", { promotional: true })] } });
    expect(hero(noAudience, { snapshot: snapshot({ openServiceCase: true }) }).why["cross-sell"]).toBe("suppressed");
    expect(hero(noAudience, { snapshot: snapshot({ openServiceCase: true }), consent: { personalize: false, track: false } }).variant).toBe("cross-sell");
  });
});

describe("fewer promotions (prefs.frequency)", () => {
  const m = manifest({
    slots: {
      hero: [variant("promo", { priority: 9, promotional: true, cap: { max: 4, periodHours: 24 } }), variant("editorial", { priority: 1 })],
    },
  });
  const fewer = profile({ prefs: { frequency: "fewer" } });

  it("normal: the higher-priority promotion wins", () => {
    expect(hero(m, { profile: profile({ prefs: { frequency: "normal" } }) }).variant).toBe("promo");
  });
  it("fewer: a promotion only when nothing else is eligible", () => {
    const r = hero(m, { profile: fewer });
    expect(r.variant).toBe("editorial");
    expect(r.why.promo).toBe("frequency");
    const onlyPromo = manifest({ slots: { hero: [variant("promo", { promotional: true })] } });
    const alone = hero(onlyPromo, { profile: fewer });
    expect(alone.variant).toBe("promo");
    expect(alone.reasons).toContain("promotional, shown because nothing else is eligible (fewer promotions)");
  });
  it("fewer halves a promotional cap: reason frequency between the halves, cap above", () => {
    const onlyPromo = manifest({ slots: { hero: [variant("promo", { promotional: true, cap: { max: 4, periodHours: 24 } })] } });
    const seen = (n: number) => snapshot({ impressions: { "hero/promo": Array.from({ length: n }, () => NOW - HOUR) } });
    expect(hero(onlyPromo, { profile: fewer, snapshot: seen(1) }).variant).toBe("promo");
    expect(hero(onlyPromo, { profile: fewer, snapshot: seen(2) }).rejected[0]).toEqual({
      variant: "promo",
      reason: "frequency",
      detail: "2 of 2 impressions in 24h (halved: fewer promotions)",
    });
    expect(hero(onlyPromo, { profile: fewer, snapshot: seen(4) }).why.promo).toBe("cap");
    expect(hero(onlyPromo, { profile: profile(), snapshot: seen(2) }).variant).toBe("promo");
  });
  it("is honoured without personalization consent (a stated preference)", () => {
    expect(hero(m, { profile: fewer, consent: { personalize: false, track: false } }).variant).toBe("editorial");
  });
});

describe("consent", () => {
  const m = manifest({
    segments: { gold: { attr: "profile.tier", eq: "gold" }, mobile: { attr: "context.device", eq: "mobile" } },
    slots: {
      hero: [
        variant("gold-offer", { priority: 5, audience: { segment: "gold" } }),
        variant("cart", { priority: 4, audience: { attr: "visitor.cart.abandoned", eq: true } }),
        variant("yoga", { priority: 3, audience: { attr: "prefs.topics", contains: "yoga" } }),
        variant("mobile", { priority: 2, audience: { segment: "mobile" } }),
        variant("everyone", { priority: 1 }),
      ],
    },
  });
  const who = { profile: profile({ tier: "gold", prefs: { topics: ["yoga"] } }), snapshot: snapshot({ cart: { count: 1, items: [], abandoned: true } }), context: context({ device: "mobile" }) };

  it("with consent the segmentation variant wins", () => {
    expect(hero(m, who).variant).toBe("gold-offer");
  });
  it("without consent: no segmentation or behaviour variant; stated prefs and context still work", () => {
    const r = hero(m, { ...who, consent: { personalize: false, track: false } });
    expect(r.variant).toBe("yoga");
    expect(r.why).toEqual({ "gold-offer": "consent", cart: "consent", mobile: "outscored", everyone: "outscored" });
    expect(r.rejected[0]!.detail).toMatch(/personal data \(segmentation\)/);
  });
  it("a profile whose consent says no wins over the caller's consent", () => {
    const r = hero(m, { ...who, profile: profile({ tier: "gold", consent: { personalize: false } }) });
    expect(r.why["gold-offer"]).toBe("consent");
  });
  describe("one set of consent-filtered facts for audience, suppression and scoring", () => {
    const members = manifest({
      slots: {
        hero: [
          variant("members-offer", { priority: 2, suppressWhen: { attr: "profile.tier", eq: "gold" } }),
          variant("returning", { priority: 1, suppressWhen: { attr: "visitor.visits", gte: 2 } }),
          variant("plain"),
        ],
      },
    });
    const gold = profile({ tier: "gold" });
    const returning = snapshot({ visits: 5 });

    it("with consent, suppressWhen reads the profile and the memory", () => {
      const r = hero(members, { profile: gold, snapshot: returning });
      expect(r.why).toMatchObject({ "members-offer": "suppressed", returning: "suppressed" });
      expect(r.variant).toBe("plain");
    });
    it("without it (the caller's policy or the profile's own consent), suppressWhen sees neither", () => {
      for (const extra of [{ consent: { personalize: false, track: true } }, { profile: profile({ tier: "gold", consent: { personalize: false } }) }]) {
        const r = hero(members, { profile: gold, snapshot: returning, ...extra });
        expect(r.variant).toBe("members-offer");
        expect(r.why["members-offer"]).toBe(undefined);
        expect(r.why.returning).toBe("outscored");
      }
    });
    it("frequency caps still count what was served (they only hold a repeat back)", () => {
      const capped = manifest({ slots: { hero: [variant("promo", { priority: 2, cap: { max: 1, periodHours: 24 } }), variant("plain")] } });
      const seen = snapshot({ impressions: { "hero/promo": [NOW - HOUR] } });
      expect(hero(capped, { snapshot: seen, consent: { personalize: false, track: true } }).why.promo).toBe("cap");
    });
  });

  it("without consent inferred interests do not score, stated ones do", () => {
    const t = manifest({ slots: { hero: [variant("yoga", { topics: ["yoga"] }), variant("running", { topics: ["running"] })] } });
    const base = { profile: profile(), snapshot: snapshot({ interests: { running: 0.9 } }) };
    expect(hero(t, base).variant).toBe("running");
    expect(hero(t, { ...base, consent: { personalize: false, track: false } }).variant).toBe("yoga"); // interest ignored: tie → first listed
    expect(hero(t, { ...base, profile: profile({ prefs: { topics: ["yoga"] } }) }).variant).toBe("yoga");
  });
});
