/**
 * What the bench measures, as data. A scenario is a target (a worker build) plus how
 * the requests look (profile cookie, origin caching policy, cache-busting). To add one,
 * add a row here (and a target, if it needs a new worker build); run.ts needs no change.
 *
 * Planned (issue 8): streaming rewrite on uncacheable pages (`origin: "nostore"`), splice
 * from a warm template (`origin: "public"`), from a cold template (`bust: true`: a new URL
 * per request), cached pass-through (a new bench/workers target); (issue 5): full path with
 * visitor state (`reuseSetCookie: true`: a returning visitor).
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
  p13n: { entry: "repo", bindings: "repo" },
} as const satisfies Record<string, Target>;

export type TargetName = keyof typeof TARGETS;

export interface Scenario {
  name: string;
  target: TargetName;
  description: string;
  /** Claims of the profile cookie to send (signed HS256 with the bench PROFILE_SECRET); absent: no cookie. */
  profile?: { sub: string; tier?: string; stage?: "new" | "developing" | "established" };
  /** Origin caching policy for the pages: public (max-age=60 + ETag), private, or nostore. */
  origin: "public" | "private" | "nostore";
  /** A distinct query string on every request (defeats any per-URL cache: the cold case). */
  bust?: boolean;
  /** Make one request first and send back the cookies it set (a returning visitor). */
  reuseSetCookie?: boolean;
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
    description: "the real worker, signed gold/new profile cookie",
    profile: { sub: "bench-visitor-1", tier: "gold", stage: "new" },
    origin: "public",
    default: true,
  },
  {
    name: "p13n-personalized-nostore",
    target: "p13n",
    description: "as p13n-personalized, origin pages uncacheable (Cache-Control: no-store, no ETag)",
    profile: { sub: "bench-visitor-1", tier: "gold", stage: "new" },
    origin: "nostore",
    default: false,
  },
];
