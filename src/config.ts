/**
 * Turns the Worker's string bindings into one typed, validated config.
 * Parsed once per isolate per env object (env is stable for an isolate's life).
 *
 * @example
 * const config = getConfig(env);
 * config.stateBudgetMs; // number, validated
 */
import * as v from "valibot";
import { P13nError } from "./errors.ts";
import type { ConsentCookieFormat } from "./privacy/consent-cookie.ts";
import type { PrivacyPolicy } from "./privacy/types.ts";
import { globList, type GlobList } from "./template/globs.ts";
import { pathPatterns } from "./template/paths.ts";
import { logEvent } from "./observability/log.ts";

const intFrom = (fallback: number, min: number, max: number) =>
  v.pipe(
    v.optional(v.string(), ""),
    v.transform((s) => (s.trim() === "" ? fallback : Number(s))),
    v.number("must be a number"),
    v.integer("must be a whole number"),
    v.minValue(min),
    v.maxValue(max),
  );

const optionalString = v.pipe(
  v.optional(v.string(), ""),
  v.transform((s) => (s.trim() === "" ? undefined : s.trim())),
);

const EnvSchema = v.object({
  ORIGIN_URL: v.pipe(
    optionalString,
    v.check((s) => s === undefined || URL.canParse(s), "must be an absolute URL such as https://www.example.com"),
  ),
  PROFILE_COOKIE: v.pipe(v.optional(v.string(), ""), v.transform((s) => s.trim() || "p13n_profile")),
  PROFILE_ISSUER: optionalString,
  PROFILE_AUDIENCE: optionalString,
  // The profile token's `typ` header (RFC 8725 §3.11 explicit typing): another JWT signed
  // with the same key (a session, an email link) is never taken for a profile.
  PROFILE_TYP: v.pipe(
    v.optional(v.string(), ""),
    v.transform((s) => s.trim() || DEFAULT_PROFILE_TYP),
    v.regex(/^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}(\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126})?$/, "must be a media type such as p13n-profile+jwt"),
  ),
  PROFILE_JWKS_URL: v.pipe(
    optionalString,
    v.check((s) => s === undefined || s.startsWith("https://"), "must be an https:// URL"),
  ),
  PROFILE_JWKS: optionalString,
  PROFILE_ALG: optionalString,
  PROFILE_MAX_AGE_S: intFrom(86_400, 60, 31_536_000),
  PROFILE_SECRET: optionalString,
  VISITOR_SECRET: optionalString,
  ADMIN_TOKEN: optionalString,
  STATE_BUDGET_MS: intFrom(25, 1, 5_000),
  MANIFEST_BUDGET_MS: intFrom(50, 1, 5_000),
  MANIFEST_TTL_S: intFrom(30, 1, 3_600),
  JWKS_BUDGET_MS: intFrom(200, 1, 5_000),
  ORIGIN_TIMEOUT_MS: intFrom(30_000, 100, 600_000),
  MAX_REWRITE_BYTES: intFrom(5 * 1024 * 1024, 1024, 100 * 1024 * 1024),
  // Visitor memory (src/visitor/).
  RETENTION_DAYS: intFrom(30, 1, 730),
  INTEREST_HALF_LIFE_DAYS: intFrom(7, 1, 365),
  CART_ABANDON_MINUTES: intFrom(30, 1, 10_080),
  BEACON_RATE_PER_MIN: intFrom(120, 60, 6_000),
  STATE_WRITE_BUDGET_MS: intFrom(2_000, 10, 30_000),
  // Experiment results: the largest value one event may add (a conversion's value, a cart price); more is capped.
  EVENT_VALUE_CAP: intFrom(100_000, 1, 1_000_000_000),
  CLIENT_SCRIPT: v.pipe(
    v.optional(v.string(), ""),
    v.transform((s) => s.trim() || "personalized"),
    v.picklist(["personalized", "all", "off"], "must be personalized, all or off"),
  ),
  // Respect the no (src/privacy/): the site's consent cookie and the site owner's policy.
  CONSENT_COOKIE: v.pipe(
    v.optional(v.string(), ""),
    v.transform((s) => s.trim() || "p13n_consent"),
    v.regex(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,128}$/, "must be a cookie name"),
  ),
  CONSENT_COOKIE_FORMAT: v.pipe(
    v.optional(v.string(), ""),
    v.transform((s) => s.trim() || "json"),
    v.picklist(["json", "binary"], "must be json or binary"),
  ),
  CONSENT_DEFAULT: v.pipe(
    v.optional(v.string(), ""),
    v.transform((s) => s.trim() || "opt-out"),
    v.picklist(["opt-out", "opt-in"], "must be opt-out or opt-in"),
  ),
  NO_CONSENT_MODE: v.pipe(
    v.optional(v.string(), ""),
    v.transform((s) => s.trim() || "context"),
    v.picklist(["context", "none"], "must be context or none"),
  ),
  // Page templates (src/template/): isolate budget (0 turns templates off) and per-path opt-out.
  TEMPLATE_CACHE_BYTES: intFrom(32 * 1024 * 1024, 0, 100 * 1024 * 1024),
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
});

/** The `typ` a profile token must carry unless PROFILE_TYP says otherwise. */
export const DEFAULT_PROFILE_TYP = "p13n-profile+jwt";

export type ProfileKeySource =
  | { kind: "secret"; alg: "HS256" | "HS384" | "HS512"; secret: string }
  | { kind: "jwks-inline"; alg: string; jwks: string }
  | { kind: "jwks-url"; alg: string; url: string }
  | { kind: "none" };

export interface Config {
  originUrl: URL | undefined;
  profileCookie: string;
  /** Required (with the audience) whenever a profile key is configured: the config refuses otherwise. */
  profileIssuer: string | undefined;
  profileAudience: string | undefined;
  /** The profile token's `typ` header, normalized (lower case, no `application/`). */
  profileTyp: string;
  profileMaxAgeS: number;
  profileKeys: ProfileKeySource;
  jwksBudgetMs: number;
  visitorSecret: string | undefined;
  adminToken: string | undefined;
  stateBudgetMs: number;
  manifestBudgetMs: number;
  manifestTtlMs: number;
  originTimeoutMs: number;
  maxRewriteBytes: number;
  /** Days of inactivity after which a visitor's object deletes itself. */
  retentionDays: number;
  interestHalfLifeMs: number;
  cartAbandonMs: number;
  /** Beacon events per visitor per minute (also the burst). */
  beaconRatePerMin: number;
  /** How long a beacon waits for the object's write before answering 503. */
  stateWriteBudgetMs: number;
  /** The largest value one event carries into memory and results (EVENT_VALUE_CAP); more is capped to it. */
  eventValueCap: number;
  /** Which pages get the client script: those personalized anyway, every tracked page, or none. */
  clientScript: "personalized" | "all" | "off";
  /** The site's consent-manager cookie and how to read it (src/privacy/consent-cookie.ts). */
  consentCookie: string;
  consentCookieFormat: ConsentCookieFormat;
  /** The site owner's consent policy (src/privacy/policy.ts). */
  privacy: PrivacyPolicy;
  /** Bytes of page templates an isolate keeps (LRU); 0: no templates, every page streams. */
  templateCacheBytes: number;
  /** Paths that never use templates (TEMPLATE_BYPASS), or null. */
  templateBypass: GlobList | null;
  /** Paths the site owner declares shareable on a bare max-age or Expires (TEMPLATE_PATHS), or null. */
  templatePaths: GlobList | null;
  /** Cookies that do not change a page (TEMPLATE_IGNORE_COOKIES): a request with only these and ours may use a template. */
  templateIgnoreCookies: GlobList | null;
}

const ASYMMETRIC = new Set(["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "Ed25519"]);
const SYMMETRIC = new Set(["HS256", "HS384", "HS512"]);

function profileKeys(e: v.InferOutput<typeof EnvSchema>): ProfileKeySource {
  const alg = e.PROFILE_ALG;
  // Exactly one key source and one algorithm: no HS/RS key confusion possible.
  if (e.PROFILE_JWKS || e.PROFILE_JWKS_URL) {
    const a = alg ?? "RS256";
    if (!ASYMMETRIC.has(a)) throw new P13nError("CONFIG_INVALID", `PROFILE_ALG ${a} is not an asymmetric algorithm; a JWKS needs one`);
    return e.PROFILE_JWKS ? { kind: "jwks-inline", alg: a, jwks: e.PROFILE_JWKS } : { kind: "jwks-url", alg: a, url: e.PROFILE_JWKS_URL! };
  }
  if (e.PROFILE_SECRET) {
    const a = alg ?? "HS256";
    if (!SYMMETRIC.has(a)) throw new P13nError("CONFIG_INVALID", `PROFILE_ALG ${a} does not fit PROFILE_SECRET; use HS256, HS384 or HS512`);
    return { kind: "secret", alg: a as "HS256", secret: e.PROFILE_SECRET };
  }
  return { kind: "none" };
}

/**
 * A profile key without an issuer and an audience would take any token the site signs with
 * that key (a session, a password-reset link) for a profile: refused, naming the fix.
 */
function requireIssuerAndAudience(e: v.InferOutput<typeof EnvSchema>, keys: ProfileKeySource): void {
  if (keys.kind === "none") return;
  const missing = [e.PROFILE_ISSUER ? null : "PROFILE_ISSUER", e.PROFILE_AUDIENCE ? null : "PROFILE_AUDIENCE"].filter((x) => x !== null);
  if (missing.length === 0) return;
  const source = keys.kind === "secret" ? "PROFILE_SECRET" : keys.kind === "jwks-inline" ? "PROFILE_JWKS" : "PROFILE_JWKS_URL";
  throw new P13nError(
    "CONFIG_INVALID",
    `${missing.join(" and ")} ${missing.length > 1 ? "are" : "is"} required when a profile key is configured (${source}): ` +
      `set ${missing.join(" and ")} in wrangler.toml [vars] to the \`iss\` and \`aud\` your backend signs into the profile cookie`,
  );
}

/**
 * A JWS `typ` compared as RFC 7515 §4.1.9 says: case-insensitively, "application/" optional.
 *
 * @example
 * normalizeTyp("application/P13N-Profile+JWT"); // "p13n-profile+jwt"
 */
export function normalizeTyp(typ: string): string {
  const t = typ.trim().toLowerCase();
  return t.startsWith("application/") && !t.slice("application/".length).includes("/") ? t.slice("application/".length) : t;
}

/**
 * Validates the Worker's string bindings against a schema; throws P13nError CONFIG_INVALID
 * naming the first bad variable. Shared by every part that reads its own vars.
 *
 * @example
 * const e = parseEnv(v.object({ BANDIT_MIN_SHARE: v.optional(v.string()) }), env);
 */
export function parseEnv<S extends v.GenericSchema>(schema: S, env: object): v.InferOutput<S> {
  const parsed = v.safeParse(schema, env);
  if (!parsed.success) {
    const first = parsed.issues[0];
    const key = first?.path?.map((p) => String(p.key)).join(".") ?? "?";
    throw new P13nError("CONFIG_INVALID", `${key}: ${first?.message ?? "invalid"}`);
  }
  return parsed.output;
}

/** Per env object (stable for an isolate's life): the config, or why it was refused. */
const cache = new WeakMap<object, Config | P13nError>();

/** Parses and validates env; throws P13nError CONFIG_INVALID naming the variable. */
export function getConfig(env: Env): Config {
  const hit = cache.get(env);
  if (hit instanceof P13nError) throw hit;
  if (hit) return hit;
  let config: Config;
  try {
    config = buildConfig(env);
  } catch (err) {
    if (err instanceof P13nError) cache.set(env, err);
    throw err;
  }
  cache.set(env, config);
  return config;
}

/** Messages already logged by this isolate: a refused config is one error in the log, not one per request. */
const reported = new Set<string>();

/**
 * Logs a refused config once per isolate. What "refuse to start" means for a Worker that
 * must not take the site down with it: every page passes through untouched, `/__p13n/healthz`
 * answers 503 with the code, the admin API 500 with the message.
 */
export function reportConfigProblem(err: P13nError): void {
  if (reported.has(err.message)) return;
  reported.add(err.message);
  logEvent("error", "config", "CONFIG_INVALID", { error: `${err.code}: ${err.message}` });
}

/**
 * Null when the config is valid, else the refusal (logged once).
 *
 * @example
 * const problem = configProblem(c.env);
 * if (problem) return c.json({ ok: false, error: { code: problem.code } }, 503);
 */
export function configProblem(env: Env): P13nError | null {
  try {
    getConfig(env);
    return null;
  } catch (err) {
    if (!(err instanceof P13nError)) throw err;
    reportConfigProblem(err);
    return err;
  }
}

function buildConfig(env: Env): Config {
  const e = parseEnv(EnvSchema, env);
  const keys = profileKeys(e);
  requireIssuerAndAudience(e, keys);
  const config: Config = {
    originUrl: e.ORIGIN_URL ? new URL(e.ORIGIN_URL) : undefined,
    profileCookie: e.PROFILE_COOKIE,
    profileIssuer: e.PROFILE_ISSUER,
    profileAudience: e.PROFILE_AUDIENCE,
    profileTyp: normalizeTyp(e.PROFILE_TYP),
    profileMaxAgeS: e.PROFILE_MAX_AGE_S,
    profileKeys: keys,
    jwksBudgetMs: e.JWKS_BUDGET_MS,
    visitorSecret: e.VISITOR_SECRET,
    adminToken: e.ADMIN_TOKEN,
    stateBudgetMs: e.STATE_BUDGET_MS,
    manifestBudgetMs: e.MANIFEST_BUDGET_MS,
    manifestTtlMs: e.MANIFEST_TTL_S * 1000,
    originTimeoutMs: e.ORIGIN_TIMEOUT_MS,
    maxRewriteBytes: e.MAX_REWRITE_BYTES,
    retentionDays: e.RETENTION_DAYS,
    interestHalfLifeMs: e.INTEREST_HALF_LIFE_DAYS * 86_400_000,
    cartAbandonMs: e.CART_ABANDON_MINUTES * 60_000,
    beaconRatePerMin: e.BEACON_RATE_PER_MIN,
    stateWriteBudgetMs: e.STATE_WRITE_BUDGET_MS,
    eventValueCap: e.EVENT_VALUE_CAP,
    clientScript: e.CLIENT_SCRIPT,
    consentCookie: e.CONSENT_COOKIE,
    consentCookieFormat: e.CONSENT_COOKIE_FORMAT,
    privacy: { consentDefault: e.CONSENT_DEFAULT, noConsentMode: e.NO_CONSENT_MODE },
    templateCacheBytes: e.TEMPLATE_CACHE_BYTES,
    templateBypass: e.TEMPLATE_BYPASS,
    templatePaths: e.TEMPLATE_PATHS,
    templateIgnoreCookies: e.TEMPLATE_IGNORE_COOKIES,
  };
  return config;
}
