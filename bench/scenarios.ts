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
  /** Extra request headers (e.g. `Sec-GPC: 1`: no tracking, so no visitor state). */
  headers?: Record<string, string>;
  /** Run it when --scenarios is not given. */
  default: boolean;
}

/** The scenario ratios are measured against, within the same round. */
export const REFERENCE = "passthrough";

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
    name: "p13n-anonymous",
    target: "p13n",
    description: "the real worker, no profile cookie",
    origin: "public",
    default: true,
  },
  {
    name: "p13n-personalized",
    target: "p13n",
    description: "the real worker, signed gold/new profile cookie: splice from a warm template, with the visitor's state (snapshot read + record)",
    profile: { sub: "bench-visitor-1", tier: "gold", stage: "new" },
    origin: "public",
    default: true,
  },
  {
    name: "p13n-stateless",
    target: "p13n",
    description: "as p13n-personalized, the profile's consent says track: false (no snapshot read, nothing recorded)",
    profile: { sub: "bench-visitor-1", tier: "gold", stage: "new", consent: { personalize: true, track: false } },
    origin: "public",
    default: true,
  },
  {
    name: "p13n-anonymous-stateless",
    target: "p13n",
    description: "no profile cookie, Sec-GPC: 1: no visitor id, no state, nothing personalized (the template served as it is)",
    headers: { "Sec-GPC": "1" },
    origin: "public",
    default: false,
  },
  {
    name: "p13n-returning",
    target: "p13n",
    description: "an anonymous visitor back with the visitor-id cookie the first answer set (state read + record)",
    reuseSetCookie: true,
    origin: "public",
    default: false,
  },
  {
    name: "p13n-template-cold",
    target: "p13n",
    description: "as p13n-stateless, a new URL per request: never a template (colo lookup, miss, streaming rewrite)",
    profile: { sub: "bench-visitor-1", tier: "gold", stage: "new", consent: { personalize: true, track: false } },
    origin: "public",
    bust: true,
    default: true,
  },
  {
    name: "p13n-personalized-nostore",
    target: "p13n",
    description: "as p13n-stateless, origin pages uncacheable (Cache-Control: no-store, no ETag): the streaming rewrite",
    profile: { sub: "bench-visitor-1", tier: "gold", stage: "new", consent: { personalize: true, track: false } },
    origin: "nostore",
    default: true,
  },
];
