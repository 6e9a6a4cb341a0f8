/**
 * Every var the Worker reads (wrangler.toml [vars] and secrets), as one valibot schema: strings
 * in, validated and defaulted values out. The one number parser is `numberVar`. Turned into the
 * typed Config by config.ts.
 */
import * as v from "valibot";
import { globList } from "../match/glob-list.ts";
import { pathPatterns } from "../match/path-patterns.ts";

/** The `typ` a profile token must carry unless PROFILE_TYP says otherwise. */
export const DEFAULT_PROFILE_TYP = "p13n-profile+jwt";

/**
 * A number var: empty → `fallback`; otherwise a number within [min, max] (whole unless `integer: false`).
 *
 * @example
 * numberVar(60, 1, 10_080);                     // BANDIT_PERIOD_MINUTES
 * numberVar(0.05, 0, 0.5, { integer: false });  // BANDIT_MIN_SHARE
 */
export const numberVar = (fallback: number, min: number, max: number, opts: { integer?: boolean } = {}) =>
  v.pipe(
    v.optional(v.string(), ""),
    v.transform((s) => (s.trim() === "" ? fallback : Number(s))),
    v.number("must be a number"),
    v.check((n) => opts.integer === false || Number.isInteger(n), "must be a whole number"),
    v.minValue(min),
    v.maxValue(max),
  );

/** A text var: trimmed, empty → undefined. */
const text = v.pipe(
  v.optional(v.string(), ""),
  v.transform((s) => (s.trim() === "" ? undefined : s.trim())),
);

/** A text var with a default and a fixed set of values. */
const oneOf = <const T extends readonly [string, ...string[]]>(fallback: T[number], values: T, message: string) =>
  v.pipe(v.optional(v.string(), ""), v.transform((s) => s.trim() || fallback), v.picklist(values, message));

/** The editors' side: the admin tokens, Cloudflare Access, the preview signing key, the console's host. */
export const AdminEnvSchema = v.object({
  ADMIN_TOKEN: text,
  ADMIN_TOKENS: text,
  PREVIEW_SECRET: text,
  ADMIN_HOST: v.pipe(
    text,
    v.transform((s) => s?.toLowerCase()),
    v.check((s) => s === undefined || /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?$/.test(s), "must be a host name such as p13n-admin.example.com"),
  ),
  SITE_URL: v.pipe(
    text,
    v.check((s) => s === undefined || (URL.canParse(s) && /^https?:$/.test(new URL(s).protocol)), "must be your site's address, such as https://www.example.com"),
  ),
  ACCESS_PUBLISHERS: v.pipe(v.optional(v.string(), ""), v.transform((s) => (s.trim() === "" ? "*" : s.trim()))),
  ADMIN_AMBIENT_WRITES: oneOf("refuse", ["refuse", "allow"], "must be refuse or allow"),
  ACCESS_TEAM_DOMAIN: v.pipe(
    text,
    v.transform((s) => s?.replace(/^https:\/\//, "").replace(/\/+$/, "")),
    v.check((s) => s === undefined || /^[a-z0-9.-]+$/i.test(s), "must be a host name such as myteam.cloudflareaccess.com"),
  ),
  ACCESS_AUD: text,
  ACCESS_JWKS: text,
});

export const EnvSchema = v.object({
  ...AdminEnvSchema.entries,
  ORIGIN_URL: v.pipe(
    text,
    v.check((s) => s === undefined || URL.canParse(s), "must be an absolute URL such as https://www.example.com"),
  ),
  PROFILE_COOKIE: v.pipe(v.optional(v.string(), ""), v.transform((s) => s.trim() || "p13n_profile")),
  PROFILE_ISSUER: text,
  PROFILE_AUDIENCE: text,
  // The profile token's `typ` header (RFC 8725 §3.11 explicit typing): another JWT signed
  // with the same key (a session, an email link) is never taken for a profile.
  PROFILE_TYP: v.pipe(
    v.optional(v.string(), ""),
    v.transform((s) => s.trim() || DEFAULT_PROFILE_TYP),
    v.regex(/^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}(\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126})?$/, "must be a media type such as p13n-profile+jwt"),
  ),
  PROFILE_JWKS_URL: v.pipe(
    text,
    v.check((s) => s === undefined || s.startsWith("https://"), "must be an https:// URL"),
  ),
  PROFILE_JWKS: text,
  PROFILE_ALG: text,
  PROFILE_MAX_AGE_S: numberVar(86_400, 60, 31_536_000),
  PROFILE_SECRET: text,
  VISITOR_SECRET: text,
  STATE_BUDGET_MS: numberVar(25, 1, 5_000),
  MANIFEST_BUDGET_MS: numberVar(50, 1, 5_000),
  MANIFEST_TTL_S: numberVar(30, 1, 3_600),
  JWKS_BUDGET_MS: numberVar(200, 1, 5_000),
  ORIGIN_TIMEOUT_MS: numberVar(30_000, 100, 600_000),
  MAX_REWRITE_BYTES: numberVar(5 * 1024 * 1024, 1024, 100 * 1024 * 1024),
  // Visitor memory (src/visitor/).
  RETENTION_DAYS: numberVar(30, 1, 730),
  INTEREST_HALF_LIFE_DAYS: numberVar(7, 1, 365),
  // 0: a cart with items counts as abandoned at once (demos and the story test).
  CART_ABANDON_MINUTES: numberVar(30, 0, 10_080),
  BEACON_RATE_PER_MIN: numberVar(120, 60, 6_000),
  STATE_WRITE_BUDGET_MS: numberVar(2_000, 10, 30_000),
  // The colo's copy of a visitor's memory (src/visitor/edge-copy.ts): used while younger than this; 0 turns copies off.
  MEMORY_COPY_MAX_AGE_S: numberVar(60, 0, 3_600),
  // Experiment results: the largest value one event may add (a conversion's value, a cart price); more is capped.
  EVENT_VALUE_CAP: numberVar(100_000, 1, 1_000_000_000),
  CLIENT_SCRIPT: oneOf("personalized", ["personalized", "all", "off"], "must be personalized, all or off"),
  // Respect the no (src/privacy/): the site's consent cookie and the site owner's policy.
  CONSENT_COOKIE: v.pipe(
    v.optional(v.string(), ""),
    v.transform((s) => s.trim() || "p13n_consent"),
    v.regex(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,128}$/, "must be a cookie name"),
  ),
  CONSENT_COOKIE_FORMAT: oneOf("json", ["json", "binary"], "must be json or binary"),
  CONSENT_DEFAULT: oneOf("opt-out", ["opt-out", "opt-in"], "must be opt-out or opt-in"),
  NO_CONSENT_MODE: oneOf("context", ["context", "none"], "must be context or none"),
  // Page templates (src/template/): isolate budget (0 turns templates off) and per-path opt-out.
  TEMPLATE_CACHE_BYTES: numberVar(32 * 1024 * 1024, 0, 100 * 1024 * 1024),
  TEMPLATE_BYPASS: v.pipe(v.optional(v.string(), ""), v.transform(pathPatterns)),
  // Paths whose pages are shareable on the origin's max-age / Expires alone (the site owner says
  // so; else only `public` or `s-maxage` makes a page shareable), and cookies that do not change
  // a page (a request carrying any other cookie never uses a template).
  TEMPLATE_PATHS: v.pipe(v.optional(v.string(), ""), v.transform(globList)),
  TEMPLATE_IGNORE_COOKIES: v.pipe(
    v.optional(v.string(), ""),
    v.check((s) => !/[=;]/.test(s), "must list cookie names or * patterns, comma-separated"),
    v.transform(globList),
  ),
  // The bandit (src/results-store/scheduler.ts): its allocation period and every arm's floor.
  BANDIT_PERIOD_MINUTES: numberVar(60, 1, 10_080),
  BANDIT_MIN_SHARE: numberVar(0.05, 0, 0.5, { integer: false }),
  // Where the admin API's /stats reads the counts (src/observability/metrics.ts).
  METRICS_STORE: oneOf("analytics-engine", ["analytics-engine", "local"], "must be analytics-engine or local"),
  METRICS_ACCOUNT_ID: v.pipe(text, v.check((s) => s === undefined || /^[0-9a-f]{32}$/.test(s), "must be your 32-hex Cloudflare account id")),
  METRICS_API_TOKEN: text,
  // Server events in and hooks out (src/config/integrations.ts parses them).
  SERVER_EVENT_SOURCES: text,
  EVENT_HOOK_URL: text,
  EVENT_HOOK_SECRET: text,
});

export type EnvVars = v.InferOutput<typeof EnvSchema>;
