// The rule language: every operator, every attribute, all/any/not/segment, list semantics, validation.
import { describe, expect, it } from "vitest";
import { compileRule, SegmentTable } from "../../../src/engine/rule-compiler.ts";
import { validateRule, MAX_RULE_DEPTH } from "../../../src/engine/rule-validator.ts";
import { ATTRIBUTES, makeFacts, resolveAttribute } from "../../../src/engine/attributes.ts";
import type { RuleShape } from "../../../src/engine/schema.ts";
import type { Profile, RequestContext, VisitorSnapshot } from "../../../src/engine/types.ts";
import { DAY, HOUR, NOW, context, profile } from "./fixtures.ts";

function evaluate(rule: RuleShape, opts: { profile?: Profile | null; context?: RequestContext; snapshot?: VisitorSnapshot | null; now?: number; segments?: Record<string, RuleShape> } = {}): boolean {
  const r = compileRule(rule, new SegmentTable(opts.segments ?? {}));
  return r.test(makeFacts({ profile: opts.profile ?? null, context: opts.context ?? context(), snapshot: opts.snapshot ?? null, now: opts.now ?? NOW, personalize: true }));
}

describe("operators", () => {
  const p = profile({ tier: "gold", attrs: { plan: "pro", seats: "12", beta: true }, prefs: { topics: ["yoga", "running"] } });
  const ctx = context({ path: "/products/leggings-black", query: { page: "3" }, referrerHost: "www.google.com" });
  const snap: VisitorSnapshot = { visits: 4, cart: { count: 2, items: [], value: 79.5 } };
  type Row = [string, RuleShape, boolean];
  const rows: Row[] = [
    ["eq string", { attr: "profile.tier", eq: "gold" }, true],
    ["eq string (no)", { attr: "profile.tier", eq: "silver" }, false],
    ["eq number", { attr: "visitor.visits", eq: 4 }, true],
    ["eq text vs number", { attr: "context.query.page", eq: 3 }, true],
    ["eq text vs boolean", { attr: "profile.attrs.beta", eq: "true" }, true],
    ["eq absent", { attr: "profile.stage", eq: "new" }, false],
    ["eq list membership", { attr: "prefs.topics", eq: "yoga" }, true],
    ["ne", { attr: "profile.tier", ne: "silver" }, true],
    ["ne (no)", { attr: "profile.tier", ne: "gold" }, false],
    ["ne absent holds", { attr: "profile.stage", ne: "new" }, true],
    ["ne list: none equal", { attr: "prefs.topics", ne: "golf" }, true],
    ["in", { attr: "profile.tier", in: ["gold", "platinum"] }, true],
    ["in (no)", { attr: "profile.tier", in: ["silver", "bronze"] }, false],
    ["in long list (set lookup)", { attr: "profile.tier", in: ["a", "b", "c", "d", "e", "f", "g", "h", "i", "gold"] }, true],
    ["in long list (no)", { attr: "profile.tier", in: ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"] }, false],
    ["in list overlap", { attr: "prefs.topics", in: ["golf", "running"] }, true],
    ["in absent", { attr: "profile.stage", in: ["new"] }, false],
    ["nin", { attr: "profile.tier", nin: ["silver"] }, true],
    ["nin (no)", { attr: "profile.tier", nin: ["gold"] }, false],
    ["nin absent holds", { attr: "profile.stage", nin: ["new"] }, true],
    ["gt", { attr: "visitor.cart.value", gt: 50 }, true],
    ["gt equal is not greater", { attr: "visitor.visits", gt: 4 }, false],
    ["gt on numeric text", { attr: "profile.attrs.seats", gt: 10 }, true],
    ["gte", { attr: "visitor.visits", gte: 4 }, true],
    ["gte (no)", { attr: "visitor.visits", gte: 5 }, false],
    ["lt", { attr: "visitor.visits", lt: 5 }, true],
    ["lt (no)", { attr: "visitor.visits", lt: 4 }, false],
    ["lt on non-numeric text", { attr: "profile.tier", lt: 5 }, false],
    ["lte", { attr: "visitor.visits", lte: 4 }, true],
    ["lte (no)", { attr: "visitor.visits", lte: 3 }, false],
    ["between inclusive low", { attr: "visitor.visits", between: [4, 6] }, true],
    ["between inclusive high", { attr: "visitor.visits", between: [1, 4] }, true],
    ["between outside", { attr: "visitor.visits", between: [5, 9] }, false],
    ["matches", { attr: "context.path", matches: "^/products/leggings" }, true],
    ["matches is unanchored", { attr: "context.path", matches: "black$" }, true],
    ["matches (no)", { attr: "context.path", matches: "^/cart" }, false],
    ["matches a list item", { attr: "prefs.topics", matches: "^run" }, true],
    ["matches the referrer host", { attr: "context.referrerHost", matches: "(^|\\.)google\\." }, true],
    ["startsWith", { attr: "context.path", startsWith: "/products/" }, true],
    ["startsWith (no)", { attr: "context.path", startsWith: "/blog/" }, false],
    ["endsWith", { attr: "context.referrerHost", endsWith: "google.com" }, true],
    ["endsWith (no)", { attr: "context.referrerHost", endsWith: "bing.com" }, false],
    ["contains substring", { attr: "context.path", contains: "leggings" }, true],
    ["contains substring (no)", { attr: "context.path", contains: "shorts" }, false],
    ["contains list member", { attr: "prefs.topics", contains: "running" }, true],
    ["contains list member (no)", { attr: "prefs.topics", contains: "run" }, false],
    ["exists true", { attr: "profile.sub", exists: true }, true],
    ["exists true on absent", { attr: "profile.stage", exists: true }, false],
    ["exists false on absent", { attr: "profile.stage", exists: false }, true],
    ["exists false on present", { attr: "profile.tier", exists: false }, false],
    ["exists on empty list is false", { attr: "prefs.channels", exists: true }, false],
  ];
  for (const [name, rule, want] of rows) {
    it(name, () => expect(evaluate(rule, { profile: p, context: ctx, snapshot: snap })).toBe(want));
  }

  it("an absent attribute fails every comparison except ne, nin and exists:false", () => {
    const anon = { profile: null };
    const fails: RuleShape[] = [
      { attr: "profile.tier", eq: "x" },
      { attr: "profile.tier", in: ["x"] },
      { attr: "profile.tier", gt: 0 },
      { attr: "profile.tier", gte: 0 },
      { attr: "profile.tier", lt: 0 },
      { attr: "profile.tier", lte: 0 },
      { attr: "profile.tier", between: [0, 1] },
      { attr: "profile.tier", matches: ".*" },
      { attr: "profile.tier", startsWith: "" },
      { attr: "profile.tier", endsWith: "" },
      { attr: "profile.tier", contains: "" },
      { attr: "profile.tier", exists: true },
    ];
    for (const r of fails) expect(evaluate(r, anon), JSON.stringify(r)).toBe(false);
    for (const r of [{ attr: "profile.tier", ne: "x" }, { attr: "profile.tier", nin: ["x"] }, { attr: "profile.tier", exists: false }] as RuleShape[]) {
      expect(evaluate(r, anon), JSON.stringify(r)).toBe(true);
    }
  });

  it("an unknown attribute never matches at runtime", () => {
    expect(evaluate({ attr: "profile.colour", ne: "x" })).toBe(false);
  });

  it("query keys cannot reach Object.prototype", () => {
    expect(evaluate({ attr: "context.query.constructor", exists: true })).toBe(false);
    expect(evaluate({ attr: "context.query.__proto__", exists: true })).toBe(false);
  });
});

describe("combinators and segments", () => {
  const T: RuleShape = { attr: "context.gpc", eq: false };
  const F: RuleShape = { attr: "context.gpc", eq: true };
  const rows: [string, RuleShape, boolean][] = [
    ["all true", { all: [T, T] }, true],
    ["all one false", { all: [T, F] }, false],
    ["all empty", { all: [] }, true],
    ["any one true", { any: [F, T] }, true],
    ["any all false", { any: [F, F] }, false],
    ["any empty", { any: [] }, false],
    ["not", { not: F }, true],
    ["not not", { not: { not: T } }, true],
    ["nested 4 levels", { all: [{ any: [F, { not: { all: [F] } }] }, T] }, true],
    ["segment", { segment: "yes" }, true],
    ["segment of segments", { all: [{ segment: "both" }] }, true],
    ["not segment", { not: { segment: "yes" } }, false],
    ["unknown segment never matches", { segment: "missing" }, false],
    ["cyclic segment never matches", { segment: "loop" }, false],
  ];
  const segments: Record<string, RuleShape> = { yes: T, both: { all: [{ segment: "yes" }, T] }, loop: { segment: "loop2" }, loop2: { segment: "loop" } };
  for (const [name, rule, want] of rows) it(name, () => expect(evaluate(rule, { segments })).toBe(want));

  it("knows which rules read personal data (through segments too)", () => {
    const table = new SegmentTable({ gold: { attr: "profile.tier", eq: "gold" }, evening: { attr: "time.hour", gte: 18 } });
    expect(compileRule({ segment: "gold" }, table).personal).toBe(true);
    expect(compileRule({ segment: "evening" }, table).personal).toBe(false);
    expect(compileRule({ attr: "prefs.topics", contains: "yoga" }, table).personal).toBe(false);
    expect(compileRule({ attr: "visitor.cart.abandoned", eq: true }, table).personal).toBe(true);
    expect([...compileRule({ all: [{ segment: "evening" }, { attr: "context.device", eq: "mobile" }] }, table).kinds].sort()).toEqual(["context", "time"]);
  });
});

describe("attributes", () => {
  const snap: VisitorSnapshot = {
    visits: 5,
    lastVisitAt: NOW - 3 * DAY,
    recentViews: { leggings: 4 },
    interests: { yoga: 0.7 },
    cart: { count: 2, items: [{ sku: "LEG-1", qty: 1, name: "Aero Leggings", category: "leggings" }, { sku: "TOP-2", qty: 1, category: "tops" }], value: 80, abandoned: true, skus: ["LEG-1", "TOP-2"], categories: ["leggings", "tops"] },
    conversions: 1,
    lastConversionAt: NOW - 5 * HOUR,
    openServiceCase: true,
    openCases: 2,
    subscription: { plan: "premium", status: "paused" },
  };
  const p = profile({ sub: "u-9", tier: "gold", stage: "developing", attrs: { plan: "pro" }, prefs: { topics: ["yoga"], channels: ["email"], frequency: "fewer" } });
  const ctx = context({
    path: "/sale",
    query: { ref: "nl" },
    utm: { source: "newsletter", campaign: "spring" },
    device: "mobile",
    country: "DE",
    region: "BE",
    city: "Berlin",
    timezone: "Europe/Berlin",
    referrerHost: "news.example",
    language: "de",
    gpc: true,
    channel: "email",
  });
  // NOW is 12:00 UTC on a Wednesday = 13:00 in Berlin (CET).
  const rows: [string, unknown][] = [
    ["profile.signedIn", true],
    ["profile.sub", "u-9"],
    ["profile.tier", "gold"],
    ["profile.stage", "developing"],
    ["profile.attrs.plan", "pro"],
    ["prefs.topics", ["yoga"]],
    ["prefs.channels", ["email"]],
    ["prefs.frequency", "fewer"],
    ["context.path", "/sale"],
    ["context.query.ref", "nl"],
    ["context.utm.source", "newsletter"],
    ["context.utm.campaign", "spring"],
    ["context.device", "mobile"],
    ["context.country", "DE"],
    ["context.region", "BE"],
    ["context.city", "Berlin"],
    ["context.timezone", "Europe/Berlin"],
    ["context.referrerHost", "news.example"],
    ["context.language", "de"],
    ["context.gpc", true],
    ["context.channel", "email"],
    ["time.hour", 13],
    ["time.weekday", "wed"],
    ["time.date", "2026-03-04"],
    ["visitor.new", false],
    ["visitor.visits", 5],
    ["visitor.daysSinceLastVisit", 3],
    ["visitor.recentViews.leggings", 4],
    ["visitor.recentViews.shorts", 0],
    ["visitor.interest.yoga", 0.7],
    ["visitor.interest.golf", 0],
    ["visitor.cart.items", 2],
    ["visitor.cart.value", 80],
    ["visitor.cart.abandoned", true],
    ["visitor.cart.skus", ["LEG-1", "TOP-2"]],
    ["visitor.cart.categories", ["leggings", "tops"]],
    ["visitor.conversions", 1],
    ["visitor.hoursSinceConversion", 5],
    ["visitor.openServiceCase", true],
    ["visitor.openCases", 2],
    ["visitor.subscription.status", "paused"],
    ["visitor.subscription.plan", "premium"],
  ];
  const facts = () => makeFacts({ profile: p, context: ctx, snapshot: snap, now: NOW, personalize: true });
  for (const [path, want] of rows) {
    it(`${path} resolves`, () => {
      const a = resolveAttribute(path);
      expect(a, path).toBeDefined();
      expect(a!.get(facts())).toEqual(want);
    });
  }

  it("every documented attribute is covered by the table above", () => {
    const covered = new Set(rows.map(([p]) => resolveAttribute(p)!.def.name));
    expect(ATTRIBUTES.map((a) => a.name).filter((n) => !covered.has(n))).toEqual([]);
  });

  it("without a profile or a snapshot, personal attributes are absent and visitor.new holds", () => {
    const f = makeFacts({ profile: null, context: context(), snapshot: null, now: NOW, personalize: true });
    expect(resolveAttribute("profile.signedIn")!.get(f)).toBe(false);
    expect(resolveAttribute("profile.tier")!.get(f)).toBeUndefined();
    expect(resolveAttribute("visitor.visits")!.get(f)).toBeUndefined();
    expect(resolveAttribute("visitor.cart.abandoned")!.get(f)).toBeUndefined();
    expect(resolveAttribute("visitor.interest.yoga")!.get(f)).toBeUndefined();
    expect(resolveAttribute("visitor.new")!.get(f)).toBe(true);
    // UTC without a time zone.
    expect(resolveAttribute("time.hour")!.get(f)).toBe(12);
  });

  it("visitor.new: visits <= 1 is new, 2 is returning; an empty snapshot defaults cart and case", () => {
    const f = (s: VisitorSnapshot) => makeFacts({ profile: null, context: context(), snapshot: s, now: NOW, personalize: true });
    expect(resolveAttribute("visitor.new")!.get(f({ visits: 1 }))).toBe(true);
    expect(resolveAttribute("visitor.new")!.get(f({ visits: 2 }))).toBe(false);
    expect(resolveAttribute("visitor.cart.items")!.get(f({}))).toBe(0);
    expect(resolveAttribute("visitor.cart.abandoned")!.get(f({}))).toBe(false);
    expect(resolveAttribute("visitor.openServiceCase")!.get(f({}))).toBe(false);
    expect(resolveAttribute("visitor.openCases")!.get(f({}))).toBe(0);
    expect(resolveAttribute("visitor.subscription.status")!.get(f({}))).toBeUndefined();
    expect(resolveAttribute("visitor.hoursSinceConversion")!.get(f({}))).toBeUndefined();
  });

  it("unknown paths do not resolve", () => {
    for (const p of ["profile", "profile.colour", "context.query", "context.query.", "visitor.interest", "toString", "__proto__", "constructor"]) {
      expect(resolveAttribute(p), p).toBeUndefined();
    }
  });
});

describe("validateRule", () => {
  const segments: Record<string, RuleShape> = {
    gold: { attr: "profile.tier", eq: "gold" },
    a: { segment: "b" },
    b: { segment: "a" },
    deep: { all: [{ all: [{ all: [{ all: [{ all: [{ attr: "context.gpc", eq: true }] }] }] }] }] },
  };
  const at = ["slots", "hero", "variants", 0, "audience"];
  const codes = (r: RuleShape) => validateRule(r, { segments, path: at });

  it("accepts a valid rule", () => {
    expect(codes({ all: [{ segment: "gold" }, { attr: "context.path", matches: "^/p/" }, { attr: "time.weekday", in: ["sat", "sun"] }] })).toEqual([]);
    expect(codes({ any: [{ attr: "context.channel", in: ["web", "app", "email", "in-store-kiosk"] }, { attr: "visitor.openCases", gt: 0 }] })).toEqual([]);
  });

  const rows: [string, RuleShape, string, (string | number)[], RegExp][] = [
    ["unknown attribute with suggestion", { all: [{ attr: "profile.teir", eq: "gold" }] }, "unknown-attribute", [...at, "all", 0, "attr"], /did you mean profile\.tier/],
    ["unknown segment with suggestion", { any: [{ segment: "gld" }] }, "unknown-segment", [...at, "any", 0, "segment"], /did you mean gold/],
    ["segment cycle", { segment: "a" }, "segment-cycle", [...at, "segment"], /a → b → a/],
    ["two operators", { attr: "profile.tier", eq: "gold", ne: "x" } as RuleShape, "operator", at, /exactly one operator/],
    ["no operator", { attr: "profile.tier" } as RuleShape, "operator", at, /found none/],
    ["bad regex", { attr: "context.path", matches: "(" }, "bad-regex", [...at, "matches"], /regular expression/],
    ["numeric op on a list", { attr: "prefs.topics", gt: 1 }, "type", [...at, "gt"], /compares numbers/],
    ["numeric op on an enum", { attr: "context.device", gte: 1 }, "type", [...at, "gte"], /compares numbers/],
    ["enum value that never matches", { attr: "time.weekday", in: ["mon", "sunday"] }, "type", [...at, "in", 1], /never matches/],
    ["boolean compared with text", { attr: "visitor.cart.abandoned", eq: "yes" }, "type", [...at, "eq"], /true or false/],
    ["empty between", { attr: "visitor.visits", between: [5, 1] }, "type", [...at, "between"], /empty/],
    ["a channel that is no token", { attr: "context.channel", eq: "E-mail" }, "type", [...at, "eq"], /context\.channel is a lower-case token.*'E-mail' never matches/],
    ["a channel in a list", { attr: "context.channel", nin: ["app", "Push Notification"] }, "type", [...at, "nin", 1], /never matches/],
    ["a subscription status that does not exist", { attr: "visitor.subscription.status", eq: "expired" }, "type", [...at, "eq"], /one of active, trialing, paused, cancelled/],
  ];
  for (const [name, rule, code, path, msg] of rows) {
    it(name, () => {
      const issues = codes(rule);
      expect(issues).toHaveLength(1);
      expect(issues[0]).toMatchObject({ code, path });
      expect(issues[0]!.message).toMatch(msg);
    });
  }

  it(`rejects nesting deeper than ${MAX_RULE_DEPTH}, counting segments at their depth`, () => {
    let r: RuleShape = { attr: "context.gpc", eq: true };
    for (let i = 0; i < MAX_RULE_DEPTH - 1; i++) r = { all: [r] };
    expect(codes(r)).toEqual([]);
    expect(codes({ not: r }).map((i) => i.code)).toEqual(["too-deep"]);
    expect(codes({ all: [{ all: [{ all: [{ all: [{ segment: "deep" }] }] }] }] }).map((i) => i.code)).toEqual(["too-deep"]);
    expect(codes({ all: [{ segment: "deep" }] })).toEqual([]);
  });
});
