/**
 * Turns the Worker's string bindings into one typed, validated config: every var, parsed once
 * per env object (env is stable for an isolate's life). Request handlers read it from the Hono
 * context (`c.get("config")`, set by src/configure.ts); the Durable Objects and the cron
 * trigger, which have no request, call `getConfig(env)`.
 *
 * A var the Worker cannot read refuses the whole config (README "A refused config"): pages pass
 * through untouched, `/__p13n/healthz` answers 503, the admin API tells an editor the fix.
 *
 * @example
 * const config = c.get("config");
 * config.stateBudgetMs; // number, validated
 */
import * as v from "valibot";
import { P13nError } from "../errors.ts";
import type { ConsentCookieFormat } from "../privacy/consent-cookie.ts";
import type { PrivacyPolicy } from "../privacy/types.ts";
import type { GlobList } from "../match/glob-list.ts";
import { eventHookSettings, parseServerSources, type EventHookSettings, type ServerSources } from "./integrations.ts";
import { parseAdminTokens, type NamedToken } from "./admin-tokens.ts";
import { globList } from "../match/glob-list.ts";
import { normalizeTyp, profileKeys, requireIssuerAndAudience, type ProfileKeySource } from "./profile-keys.ts";
import { AdminEnvSchema, EnvSchema, type EnvVars } from "./schema.ts";

export { DEFAULT_PROFILE_TYP } from "./schema.ts";
export { normalizeTyp, type ProfileKeySource } from "./profile-keys.ts";

export interface AccessSettings {
  /** e.g. `myteam.cloudflareaccess.com`; the issuer is `https://<team>`. */
  teamDomain: string;
  /** The Access application's AUD tag. */
  audience: string;
  /** A JWKS document inline (air-gapped setups, tests); otherwise `https://<team>/cdn-cgi/access/certs`. */
  jwks: string | undefined;
}

/** The editors' side: who may use the admin API and console, and the preview links' key. */
export interface AdminSettings {
  /** ADMIN_TOKEN (the publisher `admin`) and ADMIN_TOKENS' named tokens (src/config/admin-tokens.ts). */
  tokens: readonly NamedToken[];
  access: AccessSettings | undefined;
  /** PREVIEW_SECRET when set; else derived from ADMIN_TOKEN (see src/preview/token.ts). */
  previewSecret: string | undefined;
  /** The console's own host (ADMIN_HOST, lower case, with a port when one was given), or undefined. */
  adminHost: string | undefined;
  /** The site's own origin (SITE_URL): where preview links point when the console has its own host. */
  siteOrigin: string | undefined;
  /** Access users who may publish (ACCESS_PUBLISHERS): null = every one of them. */
  accessPublishers: GlobList | null;
  /** ADMIN_AMBIENT_WRITES: the site's own host takes writes on the Access cookie alone. */
  ambientWrites: "refuse" | "allow";
}

/** The bandit's schedule (src/results-store/scheduler.ts). */
export interface ResultsSettings {
  /** Weights stay fixed this long (BANDIT_PERIOD_MINUTES): a visitor keeps their arm within a period. */
  periodMs: number;
  /** Every arm's share at least this (BANDIT_MIN_SHARE), so exploration and the control never stop. */
  minShare: number;
}

/** Where the admin API's /stats reads the counts (src/observability/metrics.ts). */
export interface MetricsSettings {
  store: "analytics-engine" | "local";
  accountId: string | undefined;
  token: string | undefined;
}

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
  /** How old the colo's copy of a visitor's memory may be and still decide a page (0: no copies). */
  memoryCopyMaxAgeS: number;
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
  admin: AdminSettings;
  results: ResultsSettings;
  metrics: MetricsSettings;
  /** Backends that may send server events (SERVER_EVENT_SOURCES); empty: the route is off. */
  serverSources: ServerSources;
  /** Where cart abandonments and conversions are sent (EVENT_HOOK_URL, EVENT_HOOK_SECRET); undefined: off. */
  eventHook: EventHookSettings | undefined;
}

/**
 * Validates the Worker's string bindings against a schema; throws P13nError CONFIG_INVALID
 * naming the first bad variable.
 */
function parseEnv<S extends v.GenericSchema>(schema: S, env: object): v.InferOutput<S> {
  const parsed = v.safeParse(schema, env);
  if (!parsed.success) {
    const first = parsed.issues[0];
    const key = first?.path?.map((p) => String(p.key)).join(".") ?? "?";
    throw new P13nError("CONFIG_INVALID", `${key}: ${first?.message ?? "invalid"}`);
  }
  return parsed.output;
}

function adminSettings(e: v.InferOutput<typeof AdminEnvSchema>): AdminSettings {
  if ((e.ACCESS_TEAM_DOMAIN === undefined) !== (e.ACCESS_AUD === undefined)) {
    throw new P13nError("CONFIG_INVALID", "ACCESS_TEAM_DOMAIN and ACCESS_AUD go together: set both, or neither");
  }
  if (e.ADMIN_HOST && !e.SITE_URL) {
    throw new P13nError("CONFIG_INVALID", "ADMIN_HOST needs SITE_URL (your site's address, e.g. https://www.example.com): preview links open there, not on the console's host");
  }
  return {
    tokens: parseAdminTokens(e.ADMIN_TOKENS, e.ADMIN_TOKEN),
    access: e.ACCESS_TEAM_DOMAIN && e.ACCESS_AUD ? { teamDomain: e.ACCESS_TEAM_DOMAIN, audience: e.ACCESS_AUD, jwks: e.ACCESS_JWKS } : undefined,
    previewSecret: e.PREVIEW_SECRET ?? e.ADMIN_TOKEN,
    adminHost: e.ADMIN_HOST,
    siteOrigin: e.SITE_URL ? new URL(e.SITE_URL).origin : undefined,
    accessPublishers: e.ACCESS_PUBLISHERS === "*" ? null : globList(e.ACCESS_PUBLISHERS.toLowerCase()),
    ambientWrites: e.ADMIN_AMBIENT_WRITES,
  };
}

function buildConfig(env: object): Config {
  const e: EnvVars = parseEnv(EnvSchema, env);
  const keys = profileKeys(e);
  requireIssuerAndAudience(e, keys);
  return {
    originUrl: e.ORIGIN_URL ? new URL(e.ORIGIN_URL) : undefined,
    profileCookie: e.PROFILE_COOKIE,
    profileIssuer: e.PROFILE_ISSUER,
    profileAudience: e.PROFILE_AUDIENCE,
    profileTyp: normalizeTyp(e.PROFILE_TYP),
    profileMaxAgeS: e.PROFILE_MAX_AGE_S,
    profileKeys: keys,
    jwksBudgetMs: e.JWKS_BUDGET_MS,
    visitorSecret: e.VISITOR_SECRET,
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
    memoryCopyMaxAgeS: e.MEMORY_COPY_MAX_AGE_S,
    eventValueCap: e.EVENT_VALUE_CAP,
    clientScript: e.CLIENT_SCRIPT,
    consentCookie: e.CONSENT_COOKIE,
    consentCookieFormat: e.CONSENT_COOKIE_FORMAT,
    privacy: { consentDefault: e.CONSENT_DEFAULT, noConsentMode: e.NO_CONSENT_MODE },
    templateCacheBytes: e.TEMPLATE_CACHE_BYTES,
    templateBypass: e.TEMPLATE_BYPASS,
    templatePaths: e.TEMPLATE_PATHS,
    templateIgnoreCookies: e.TEMPLATE_IGNORE_COOKIES,
    admin: adminSettings(e),
    results: { periodMs: e.BANDIT_PERIOD_MINUTES * 60_000, minShare: e.BANDIT_MIN_SHARE },
    metrics: { store: e.METRICS_STORE, accountId: e.METRICS_ACCOUNT_ID, token: e.METRICS_API_TOKEN },
    ...integrations(e),
  };
}

/** The integrations' settings; a problem refuses the config, named (never quoting a key). */
function integrations(e: EnvVars): Pick<Config, "serverSources" | "eventHook"> {
  try {
    return { serverSources: parseServerSources(e.SERVER_EVENT_SOURCES), eventHook: eventHookSettings(e.EVENT_HOOK_URL, e.EVENT_HOOK_SECRET) };
  } catch (err) {
    throw new P13nError("CONFIG_INVALID", err instanceof Error ? err.message : String(err));
  }
}

/** A refused config, with what an editor needs to be told why: their credential's settings. */
export interface ConfigRefusal {
  problem: P13nError;
  /** The admin settings when they parse on their own, else the bearer token alone. */
  admin: AdminSettings;
}

export type ConfigLoad = { ok: true; config: Config } | ({ ok: false } & ConfigRefusal);

/** Per env object (stable for an isolate's life): the config, or why it was refused. */
const cache = new WeakMap<object, ConfigLoad>();

/**
 * The config, or the refusal: parsed once per env object, never throws for a bad var.
 *
 * @example
 * const loaded = loadConfig(env);
 * if (!loaded.ok) return c.json({ ok: false, error: { code: loaded.problem.code } }, 503);
 */
export function loadConfig(env: object): ConfigLoad {
  const hit = cache.get(env);
  if (hit) return hit;
  let loaded: ConfigLoad;
  try {
    loaded = { ok: true, config: buildConfig(env) };
  } catch (err) {
    if (!(err instanceof P13nError)) throw err;
    loaded = { ok: false, problem: err, admin: credentialsOnly(env) };
  }
  cache.set(env, loaded);
  return loaded;
}

/** The editors' settings of a refused config: parsed alone, or (when they are the problem) the token only. */
function credentialsOnly(env: object): AdminSettings {
  try {
    return adminSettings(parseEnv(AdminEnvSchema, env));
  } catch {
    const token = (env as { ADMIN_TOKEN?: unknown }).ADMIN_TOKEN;
    const adminToken = typeof token === "string" && token.trim() ? token.trim() : undefined;
    return { tokens: parseAdminTokens(undefined, adminToken), access: undefined, previewSecret: undefined, adminHost: undefined, siteOrigin: undefined, accessPublishers: null, ambientWrites: "refuse" };
  }
}

/**
 * The config for code without a request (Durable Objects, the cron trigger); throws the
 * refusal (P13nError CONFIG_INVALID naming the variable).
 *
 * @example
 * const { periodMs, minShare } = getConfig(env).results;
 */
export function getConfig(env: object): Config {
  const loaded = loadConfig(env);
  if (!loaded.ok) throw loaded.problem;
  return loaded.config;
}
