/**
 * What the bench measures, as data. A scenario is a target (a worker build) plus how
 * the requests look (profile cookie, origin caching policy, cache-busting). To add one,
 * add a row here (and a target, if it needs a new worker build); run.ts needs no change.
 *
 * Issue 8 (page templates): cached pass-through (the limit for a cacheable page), splice from
 * a warm template (`origin: "public"`, the default pages), from a cold one (`bust: true`: a new
 * URL per request, so never a template), the streaming rewrite (`origin: "nostore"`); with and
 * without visitor state (issue 5: a profile's or a returning visitor's memory; a profile whose
 * consent claim says `track: false` is personalized without state).
 *
 * Issue 17: the objects run in their own process (bench/lib/topology.ts); `objectRttMs` puts
 * them far away (p13n-with-state-far: another colo's object, 50 ms round trip).
 */

export interface Target {
  /** The worker to build: "repo" is src/index.ts through the repository's wrangler.toml. */
  entry: "repo" | `bench/workers/${string}.ts`;
  /** Which bindings it gets: the repository's full set (KV, DO, vars, secrets) or ORIGIN_URL only. */
  bindings: "repo" | "origin-only";
}

export const TARGETS = {
  passthrough: { entry: "bench/workers/passthrough.ts", bindings: "origin-only" },
  rewrite: { entry: "bench/workers/rewrite.ts", bindings: "origin-only" },
  cached: { entry: "bench/workers/cached-passthrough.ts", bindings: "origin-only" },
  p13n: { entry: "repo", bindings: "repo" },
} as const satisfies Record<string, Target>;

export type TargetName = keyof typeof TARGETS;

export interface Scenario {
  name: string;
  target: TargetName;
  description: string;
  /** Claims of the profile cookie to send (signed HS256 with the bench PROFILE_SECRET); absent: no cookie. */
  profile?: {
    sub: string;
    tier?: string;
    stage?: "new" | "developing" | "established";
    /** The profile's consent claim: `track: false` personalizes without visitor state. */
    consent?: { personalize?: boolean; track?: boolean };
  };
  /** Origin caching policy for the pages: public (max-age=60 + ETag), private, or nostore. */
  origin: "public" | "private" | "nostore";
  /** A distinct query string on every request (defeats any per-URL cache: the cold case). */
  bust?: boolean;
  /** Make one request first and send back the cookies it set (a returning visitor). */
  reuseSetCookie?: boolean;
  /**
   * How many distinct visitors send the load, rotated per request (each profile `sub` gets
   * `-<i>`; each returning visitor its own cookies). Real traffic is many visitors, each with
   * their own Durable Object; one visitor would serialize every request on one object.
   */
  visitors?: number;
  /**
   * Round trip between the edge and the visitors' objects, ms (the object link's delay,
   * half each way). Absent: 0, the objects on the next machine. Production's objects may
   * sit in another colo than the one serving the page.
   */
  objectRttMs?: number;
  /** Extra request headers (e.g. `Sec-GPC: 1`: no tracking, so no visitor state). */
  headers?: Record<string, string>;
  /** Run it when --scenarios is not given. */
  default: boolean;
}

/** The scenario ratios are measured against, within the same round. */
export const REFERENCE = "passthrough";

/** A phone: the demo content has a compact hero for the `mobile` segment (request context, no memory). */
const PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148";
/** Personalized from the request alone: GPC (no id, no memory) on a phone. */
const CONTEXT_ONLY = { "Sec-GPC": "1", "User-Agent": PHONE };
/** Visitors in a pool: enough distinct objects that no single one serializes the load. */
const POOL = 200;
/** A far object: another colo's, a continent away. */
const FAR_RTT_MS = 50;
/** Signed gold/new profiles, one object each. */
const GOLD_PROFILE = { sub: "bench-visitor", tier: "gold", stage: "new" } as const;

export const SCENARIOS: readonly Scenario[] = [
  {
    name: "passthrough",
    target: "passthrough",
    description: "a worker that fetches the origin and returns its response",
    origin: "public",
    default: true,
  },
  {
    name: "cached-passthrough",
    target: "cached",
    description: "the page kept in isolate memory and served unpersonalized: the limit for a cacheable page",
    origin: "public",
    default: true,
  },
  {
    name: "baseline-rewrite",
    target: "rewrite",
    description: "plain HTMLRewriter filling every slot with a fixed fragment (no profile, KV, decide)",
    origin: "public",
    default: false,
  },
  {
    name: "p13n-template-warm",
    target: "p13n",
    description: "the real worker, personalized from the request (phone, GPC: no id, no memory), spliced from a warm template",
    headers: CONTEXT_ONLY,
    origin: "public",
    default: true,
  },
  {
    name: "p13n-template-cold",
    target: "p13n",
    description: "as p13n-template-warm, a new URL per request: never a template (colo lookup, miss, streaming rewrite)",
    headers: CONTEXT_ONLY,
    origin: "public",
    bust: true,
    default: true,
  },
  {
    name: "p13n-streaming",
    target: "p13n",
    description: "as p13n-template-warm, origin pages uncacheable (Cache-Control: no-store, no ETag): the streaming rewrite",
    headers: CONTEXT_ONLY,
    origin: "nostore",
    default: true,
  },
  {
    name: "p13n-anonymous",
    target: "p13n",
    description: "the real worker, no cookie at all (a new id every request, no memory: not a browser navigation)",
    origin: "public",
    default: true,
  },
  {
    name: "p13n-with-state",
    target: "p13n",
    description: `signed gold/new profiles (${POOL} visitors rotated): snapshot read + decide + splice + page view recorded`,
    profile: GOLD_PROFILE,
    visitors: POOL,
    origin: "public",
    default: true,
  },
  {
    name: "p13n-with-state-far",
    target: "p13n",
    description: `as p13n-with-state, the objects ${FAR_RTT_MS} ms away (round trip): does the page wait for memory, or lose it?`,
    profile: { ...GOLD_PROFILE, sub: "bench-far-visitor" },
    visitors: POOL,
    objectRttMs: FAR_RTT_MS,
    origin: "public",
    default: false,
  },
  {
    name: "p13n-returning",
    target: "p13n",
    description: `anonymous visitors back with the cookie their first navigation set (${POOL} rotated): state read + record`,
    reuseSetCookie: true,
    visitors: POOL,
    origin: "public",
    default: false,
  },
];

/** The scenario reads or writes a visitor's memory (a signed profile, or a returning visitor's cookie). */
export function usesMemory(s: Scenario): boolean {
  return s.profile !== undefined || s.reuseSetCookie === true;
}

/** The scenarios `--scenarios` names (none: the defaults; "all": every one), in table order. */
export function pickScenarios(names: readonly string[], all: readonly Scenario[] = SCENARIOS): Scenario[] {
  if (names.length === 0) return all.filter((s) => s.default);
  if (names.length === 1 && names[0] === "all") return [...all];
  const unknown = names.filter((n) => !all.some((s) => s.name === n));
  if (unknown.length) throw new Error(`unknown scenario(s): ${unknown.join(", ")}; known: ${all.map((s) => s.name).join(", ")}`);
  return all.filter((s) => names.includes(s.name));
}
