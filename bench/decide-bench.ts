/**
 * decide() throughput for a large manifest: 50 slots × 20 variants, rules 3–4 levels
 * deep with segments, regex paths, schedules, dayparts, caps, suppression and two
 * experiments (one multivariate, in a layer), over a varied population of visitors.
 *
 * One "decision" here is one decide() call for a whole page (all 50 slots);
 * `slotDecisionsPerSecond` is that times 50. Measured twice, with a worker's clock and with the
 * clock spread over six hours (`BenchClock`).
 *
 * Run alone: `node bench/decide-bench.ts [seconds]` (Node ≥ 22.18, type stripping).
 *
 * @example
 * const { decisionsPerSecond } = await benchDecide({ seconds: 2 });
 */
import * as v from "valibot";
import { decide } from "../src/engine/decide.ts";
import { ManifestSchema, type RuleShape } from "../src/engine/schema.ts";
import type { DecideInput, DeviceClass, Manifest, Profile, RequestContext, VisitorSnapshot } from "../src/engine/types.ts";

const SLOTS = 50;
const VARIANTS = 20;
const POPULATION = 2_000;
const NOW = Date.parse("2026-03-04T18:30:00Z");

/** Small deterministic PRNG (mulberry32): the same population on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TOPICS = ["yoga", "running", "outdoor", "leggings", "shoes", "swim", "gym", "kids"];
const COUNTRIES = ["DE", "US", "FR", "GB", "JP", "NL", "ES", "IT"];
const ZONES = ["Europe/Berlin", "America/New_York", "Asia/Tokyo", "Europe/London", "America/Los_Angeles", "UTC"];
const DEVICES: DeviceClass[] = ["mobile", "desktop", "tablet", "mobile", "desktop"];
const PATHS = ["/", "/products/leggings-black", "/products/shoes-trail", "/sale", "/blog/yoga-at-home", "/cart", "/account", "/c/running"];

function segments(): Record<string, RuleShape> {
  return {
    gold: { attr: "profile.tier", in: ["gold", "platinum"] },
    returning: { all: [{ attr: "visitor.visits", gte: 2 }, { attr: "visitor.daysSinceLastVisit", lt: 30 }] },
    shopper: { any: [{ attr: "visitor.cart.items", gt: 0 }, { attr: "context.path", matches: "^/(products|c)/" }] },
    abandoner: { all: [{ segment: "shopper" }, { attr: "visitor.cart.abandoned", eq: true }, { not: { attr: "context.path", startsWith: "/cart" } }] },
    evening: { attr: "time.hour", between: [18, 22] },
    mobile: { attr: "context.device", eq: "mobile" },
    dach: { attr: "context.country", in: ["DE", "AT", "CH"] },
    newsletter: { any: [{ attr: "context.utm.source", eq: "newsletter" }, { attr: "context.referrerHost", endsWith: "mail.example" }] },
  };
}

/** A rule of 3–4 levels mixing segments, regexes and conditions, varied by (slot, variant). */
function audience(s: number, i: number): RuleShape {
  const topic = TOPICS[(s + i) % TOPICS.length]!;
  switch (i % 6) {
    case 0:
      return { all: [{ segment: "gold" }, { any: [{ segment: "returning" }, { not: { segment: "mobile" } }] }] };
    case 1:
      return { all: [{ segment: "abandoner" }, { any: [{ attr: `visitor.interest.${topic}`, gte: 0.3 }, { attr: "prefs.topics", contains: topic }] }] };
    case 2:
      return { any: [{ all: [{ segment: "dach" }, { attr: "context.language", eq: "de" }] }, { all: [{ attr: "context.path", matches: `^/(blog|c)/.*${topic.slice(0, 3)}` }, { not: { segment: "gold" } }] }] };
    case 3:
      return { all: [{ segment: "newsletter" }, { attr: "context.utm.campaign", matches: "^(spring|summer)-\\d+$" }, { any: [{ segment: "evening" }, { attr: "time.weekday", in: ["sat", "sun"] }] }] };
    case 4:
      return { all: [{ attr: "visitor.visits", lte: 1 }, { any: [{ attr: "context.referrerHost", matches: "(^|\\.)google\\." }, { attr: "context.query.ref", exists: true }] }] };
    default:
      return { all: [{ attr: `visitor.recentViews.${topic}`, gte: 2 }, { not: { any: [{ attr: "profile.stage", eq: "new" }, { segment: "mobile" }] } }] };
  }
}

/** The benchmark manifest: 50 slots × 20 variants, 8 segments, 2 experiments. */
export function benchManifest(): Manifest {
  const slots: Record<string, { variants: unknown[] }> = {};
  for (let s = 0; s < SLOTS; s++) {
    const variants: unknown[] = [];
    for (let i = 0; i < VARIANTS; i++) {
      const vnt: Record<string, unknown> = {
        id: `v${i}`,
        html: `<section class="s${s} v${i}"><h2>Slot ${s} variant ${i}</h2><p>${"Lorem ipsum ".repeat(8)}</p></section>`,
        priority: (i * 7 + s) % 5,
        topics: [TOPICS[(s + i) % TOPICS.length], TOPICS[(s * 3 + i) % TOPICS.length]],
      };
      if (i < VARIANTS - 2) vnt.audience = audience(s, i);
      if (i % 4 === 1) vnt.schedule = { start: "2026-01-01T00:00:00Z", end: "2026-12-31T00:00:00Z" };
      if (i % 5 === 2) vnt.schedule = { hours: [17, 23], days: ["mon", "tue", "wed", "thu", "fri"] };
      if (i % 3 === 0) {
        vnt.promotional = true;
        vnt.campaign = `c${i % 4}`;
        vnt.cap = { max: 3, periodHours: 24, scope: i % 2 === 0 ? "campaign" : "variant" };
      }
      if (i % 7 === 3) vnt.suppressWhen = { any: [{ attr: "visitor.openServiceCase", eq: true }, { attr: "visitor.hoursSinceConversion", lt: 12 }] };
      if (s < 3 && i >= VARIANTS - 2) vnt.experimentOnly = true;
      variants.push(vnt);
    }
    slots[`slot-${s}`] = { variants };
  }
  return v.parse(ManifestSchema, {
    schema: 1,
    version: "bench-1",
    publishedAt: "2026-03-01T00:00:00Z",
    holdout: { share: 0.02, salt: "global-bench" },
    segments: segments(),
    slots,
    experiments: {
      "hero-ab": {
        slots: ["slot-0"],
        salt: "hero-ab-1",
        holdout: 0.1,
        layer: "home",
        arms: [
          { id: "control", weight: 1, variants: { "slot-0": null } },
          { id: "b", weight: 1, variants: { "slot-0": "v18" } },
          { id: "c", weight: 1, variants: { "slot-0": "v19" } },
        ],
      },
      "mvt-2x2": {
        slots: ["slot-1", "slot-2"],
        salt: "mvt-1",
        traffic: 0.8,
        layer: "home",
        audience: { not: { attr: "context.device", eq: "bot" } },
        arms: [
          { id: "aa", weight: 1, variants: { "slot-1": "v18", "slot-2": "v18" } },
          { id: "ab", weight: 1, variants: { "slot-1": "v18", "slot-2": "v19" } },
          { id: "ba", weight: 1, variants: { "slot-1": "v19", "slot-2": "v18" } },
          { id: "bb", weight: 1, variants: { "slot-1": "v19", "slot-2": "v19" } },
        ],
      },
    },
  });
}

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)]!;
}

/** A varied population: anonymous and signed-in, with and without snapshots, consent mixed, many zones. */
export function benchPopulation(manifest: Manifest, n = POPULATION): DecideInput[] {
  const r = prng(20260304);
  const out: DecideInput[] = [];
  for (let k = 0; k < n; k++) {
    const signedIn = r() < 0.4;
    const profile: Profile | null = signedIn
      ? {
          sub: `user-${k}`,
          tier: pick(r, ["gold", "silver", "bronze", "platinum"]),
          stage: pick(r, ["new", "developing", "established"] as const),
          prefs: { topics: TOPICS.filter(() => r() < 0.2), frequency: pick(r, ["fewer", "normal", "normal", "more"] as const) },
          exp: NOW / 1000 + 3600,
          iat: NOW / 1000 - 60,
        }
      : null;
    const context: RequestContext = {
      path: pick(r, PATHS),
      query: r() < 0.2 ? { ref: "nl", page: "2" } : {},
      utm: r() < 0.3 ? { source: pick(r, ["newsletter", "google", "ig"]), campaign: pick(r, ["spring-12", "summer-3", "brand"]) } : {},
      device: pick(r, DEVICES),
      country: pick(r, COUNTRIES),
      timezone: pick(r, ZONES),
      referrerHost: r() < 0.5 ? pick(r, ["www.google.com", "news.mail.example", "t.co"]) : undefined,
      language: pick(r, ["de", "en", "fr", "ja"]),
      gpc: r() < 0.05,
    };
    const interests: Record<string, number> = {};
    const recentViews: Record<string, number> = {};
    for (const t of TOPICS) {
      if (r() < 0.3) interests[t] = r();
      if (r() < 0.3) recentViews[t] = Math.floor(r() * 5);
    }
    const impressions: Record<string, number[]> = {};
    for (let c = 0; c < 4; c++) if (r() < 0.4) impressions[`campaign:c${c}`] = Array.from({ length: Math.floor(r() * 5) }, () => NOW - r() * 48 * 3_600_000);
    const snapshot: VisitorSnapshot | null =
      r() < 0.85
        ? {
            visits: Math.floor(r() * 12),
            lastVisitAt: NOW - r() * 40 * 86_400_000,
            interests,
            recentViews,
            cart: r() < 0.4 ? { count: 1 + Math.floor(r() * 4), items: [], value: r() * 200, abandoned: r() < 0.5 } : undefined,
            conversions: Math.floor(r() * 3),
            lastConversionAt: r() < 0.3 ? NOW - r() * 72 * 3_600_000 : undefined,
            openServiceCase: r() < 0.05,
            impressions,
          }
        : null;
    const personalize = r() < 0.9;
    out.push({
      manifest,
      profile,
      context,
      snapshot,
      unitId: r() < 0.97 ? (profile?.sub ?? `anon-${k}`) : null,
      consent: { personalize, track: personalize },
      now: NOW + Math.floor(r() * 6 * 3_600_000),
    });
  }
  return out;
}

/**
 * How each decision's `now` is set:
 * - `real` (the figure reported first): the clock advances with the run, as a worker's does; every
 *   batch of 50 decisions reads it once (a worker's clock stands still while it computes), from
 *   NOW on. Visitors, their zones and their memories stay as varied as in `spread`.
 * - `spread`: each visitor's own fixed `now`, anywhere in six hours after NOW (the figure before
 *   session 20). Consecutive decisions jump back and forth over hours, so the engine's local time
 *   per zone and quarter hour (timing.ts) almost never repeats: no real clock does that.
 */
export type BenchClock = "real" | "spread";

/**
 * Measures decide() calls per second (each decides all 50 slots) after a warm-up, with the
 * clock as a worker's (`real`) and as spread over six hours (`spread`): see `BenchClock`.
 *
 * @example
 * const r = await benchDecide({ seconds: 3 }); // { decisionsPerSecond: 4321, spreadClockDecisionsPerSecond: 3456, slots: 50, ... }
 */
export async function benchDecide(opts?: { seconds?: number }): Promise<{
  decisionsPerSecond: number;
  spreadClockDecisionsPerSecond: number;
  slots: number;
  variants: number;
  slotDecisionsPerSecond: number;
  meanMicroseconds: number;
}> {
  const seconds = opts?.seconds ?? 3;
  const manifest = benchManifest();
  const spread = await timeDecisions(benchPopulation(manifest), seconds, "spread");
  const real = await timeDecisions(benchPopulation(manifest), seconds, "real");
  return {
    decisionsPerSecond: real.perSecond,
    spreadClockDecisionsPerSecond: spread.perSecond,
    slots: SLOTS,
    variants: VARIANTS,
    slotDecisionsPerSecond: real.perSecond * SLOTS,
    meanMicroseconds: real.meanMicroseconds,
  };
}

/** decide() over the population for `seconds` after a warm-up, `now` set as `clock` says. */
async function timeDecisions(population: DecideInput[], seconds: number, clock: BenchClock): Promise<{ perSecond: number; meanMicroseconds: number }> {
  let sink = 0;
  let k = 0;
  const t0 = performance.now();
  // A worker's clock: NOW plus the time the run has taken, read once per batch.
  const batch = (at: number) => {
    if (clock === "real") for (let j = 0; j < 50; j++) population[(k + j) % population.length]!.now = NOW + Math.floor(at - t0);
  };

  // Warm-up: compile the manifest (cached afterwards), let the JIT settle.
  const warmEnd = t0 + Math.min(1000, seconds * 300);
  for (let now = t0; now < warmEnd; now = performance.now()) {
    batch(now);
    for (let j = 0; j < 50; j++) sink += decide(population[k++ % population.length]!).decisions.length;
  }
  // Yield once so a caller's timers and logs are not starved.
  await new Promise((resolve) => setTimeout(resolve, 0));

  let calls = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  let now = start;
  while (now < end) {
    batch(now);
    for (let j = 0; j < 50; j++) {
      const res = decide(population[k++ % population.length]!);
      sink += res.decisions.length;
      calls++;
    }
    now = performance.now();
  }
  const elapsed = (now - start) / 1000;
  if (sink === -1) console.log("unreachable"); // keep the work observable to the optimizer
  return { perSecond: Math.round(calls / elapsed), meanMicroseconds: Math.round((elapsed / calls) * 1e6 * 10) / 10 };
}

// Run alone: `node bench/decide-bench.ts [seconds]`.
const argv = (globalThis as { process?: { argv?: string[] } }).process?.argv ?? [];
if (argv[1] !== undefined && import.meta.url.endsWith(argv[1].replace(/\\/g, "/").split("/").slice(-2).join("/"))) {
  const seconds = argv[2] !== undefined ? Number(argv[2]) : 3;
  const r = await benchDecide({ seconds });
  console.log(
    `decide: ${r.decisionsPerSecond.toLocaleString("en-US")} pages/s (${r.slots} slots × ${r.variants} variants each; ` +
      `${r.slotDecisionsPerSecond.toLocaleString("en-US")} slot decisions/s; ${r.meanMicroseconds} µs per page); ` +
      `${r.spreadClockDecisionsPerSecond.toLocaleString("en-US")} pages/s with the clock spread over six hours`,
  );
}
