/**
 * Attribute paths a rule may test, and how each resolves against one request.
 *
 * Every attribute has a kind, because consent depends on it:
 * - `segmentation` (who: profile tier, stage, site attrs) and `behaviour` (what the
 *   visitor did: the visitor snapshot) are personal data: used only with consent.
 * - `stated` (prefs the visitor gave us), `context` (the request itself) and `time`
 *   are usable without personalization consent.
 *
 * Keyed attributes end in `.<key>`, e.g. `profile.attrs.plan`, `context.utm.source`.
 */
import type { Prefs, Profile, RequestContext, VisitorSnapshot } from "./types.ts";
import { localTime, type LocalTime } from "./timing.ts";
import { NO_MEMO, nextStamp, type RequestMemo } from "./request-memo.ts";

export type AttributeKind = "segmentation" | "stated" | "context" | "time" | "behaviour";
export type AttributeType = "string" | "number" | "boolean" | "string[]";

export interface AttributeDef {
  /** The path, with `.<key>` for keyed attributes. */
  name: string;
  kind: AttributeKind;
  type: AttributeType;
  description: string;
  /** The only values it takes, when it is an enumeration (validation flags others). */
  values?: readonly string[];
  /** The shape every value has, when it is an open set of tokens (validation flags a value that never could match). */
  shape?: { pattern: RegExp; says: string };
}

/** A subscription's status as backends report it (server events `subscription.changed`). */
export const SUBSCRIPTION_STATUSES = ["active", "trialing", "paused", "cancelled"] as const;

/** What a channel is called: `web` for pages, and whatever short token a /decide caller says (`app`, `email`, `kiosk`…). */
export const CHANNEL_TOKEN = /^[a-z][a-z0-9-]{0,15}$/;

/**
 * Everything one rule evaluation, gate or score may read. Built once per request by
 * `makeFacts`, already filtered by consent: the engine has no other way to the profile or
 * the visitor's memory.
 */
export interface Facts {
  /** The verified profile; null without personalization consent (its segmentation is personal data). */
  readonly profile: Profile | null;
  /** Stated preferences: the visitor's own (preference centre) over the profile's, field by field. */
  readonly prefs: Prefs | undefined;
  readonly context: RequestContext;
  /** The visitor's memory; null without personalization consent (behaviour is personal data). */
  readonly snapshot: VisitorSnapshot | null;
  /**
   * Only what was served (impression timestamps), for frequency caps, with or without consent:
   * a cap can only hold a repeat back, and no rule can name it.
   */
  readonly served: VisitorSnapshot | null;
  readonly now: number;
  /** Local time, computed on first use (Intl is not free). */
  local: LocalTime | undefined;
  /** Memo of shared rules' results and cap counts (request-memo.ts), indexed by the manifest's compilation. */
  readonly memo: RequestMemo;
  /** This request's stamp in `memo`: only entries carrying it are this request's. */
  readonly stamp: number;
}

/**
 * Builds the facts for one request: the one place that filters what the engine sees by
 * consent. Without personalization consent, audiences, suppressions (`suppressWhen` and the
 * promotion policy), experiment audiences and scores all see no profile segmentation and no
 * behaviour: a rule that only withholds content still targets whoever it does not withhold it from.
 * Stated preferences, the request's context and time stay.
 *
 * @example
 * const facts = makeFacts({ profile: null, context, snapshot: null, now: Date.parse("2026-05-01T18:00:00Z"), personalize: true });
 */
export function makeFacts(input: {
  profile: Profile | null;
  context: RequestContext;
  snapshot: VisitorSnapshot | null;
  now: number;
  /** Stated preferences; the profile's when absent (usable without personalization consent). */
  prefs?: Prefs | undefined;
  /** The visitor allows personal data (profile segmentation, behaviour) to shape content. */
  personalize: boolean;
  /** The compiled manifest's memo (`CompiledManifest.memo`); without it nothing is memoized. */
  memo?: RequestMemo;
}): Facts {
  const prefs = "prefs" in input ? input.prefs : input.profile?.prefs;
  const snapshot = input.snapshot;
  const served: VisitorSnapshot | null = snapshot?.impressions ? { impressions: snapshot.impressions } : null;
  return {
    profile: input.personalize ? input.profile : null,
    prefs,
    context: input.context,
    snapshot: input.personalize ? snapshot : null,
    served,
    now: input.now,
    local: undefined,
    memo: input.memo ?? NO_MEMO,
    stamp: nextStamp(),
  };
}

export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
const DEVICES = ["mobile", "tablet", "desktop", "bot", "unknown"] as const;
const STAGES = ["new", "developing", "established"] as const;
const FREQUENCIES = ["fewer", "normal", "more"] as const;

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

type Getter = (f: Facts) => unknown;

function local(f: Facts): LocalTime {
  return (f.local ??= localTime(f.now, f.context.timezone));
}

/** Fixed attributes: name → definition and getter. */
const FIXED: Record<string, [Omit<AttributeDef, "name">, Getter]> = {
  "profile.signedIn": [{ kind: "segmentation", type: "boolean", description: "a verified profile cookie came with the request" }, (f) => f.profile !== null],
  "profile.sub": [{ kind: "segmentation", type: "string", description: "the profile's subject (test with `exists`)" }, (f) => f.profile?.sub],
  "profile.tier": [{ kind: "segmentation", type: "string", description: "customer value tier, e.g. gold" }, (f) => f.profile?.tier],
  "profile.stage": [{ kind: "segmentation", type: "string", description: "life stage", values: STAGES }, (f) => f.profile?.stage],
  "prefs.topics": [{ kind: "stated", type: "string[]", description: "topics the visitor said they want" }, (f) => f.prefs?.topics],
  "prefs.channels": [{ kind: "stated", type: "string[]", description: "channels the visitor prefers" }, (f) => f.prefs?.channels],
  "prefs.frequency": [{ kind: "stated", type: "string", description: "how many promotions the visitor wants", values: FREQUENCIES }, (f) => f.prefs?.frequency],
  "context.path": [{ kind: "context", type: "string", description: "URL path, e.g. /products/leggings" }, (f) => f.context.path],
  "context.device": [{ kind: "context", type: "string", description: "device class", values: DEVICES }, (f) => f.context.device],
  "context.country": [{ kind: "context", type: "string", description: "ISO 3166-1 alpha-2, upper case" }, (f) => f.context.country],
  "context.region": [{ kind: "context", type: "string", description: "region from request.cf" }, (f) => f.context.region],
  "context.city": [{ kind: "context", type: "string", description: "city from request.cf" }, (f) => f.context.city],
  "context.timezone": [{ kind: "context", type: "string", description: "IANA time zone" }, (f) => f.context.timezone],
  "context.referrerHost": [{ kind: "context", type: "string", description: "referring site's host, lower case" }, (f) => f.context.referrerHost],
  "context.language": [{ kind: "context", type: "string", description: "primary Accept-Language, e.g. de" }, (f) => f.context.language],
  "context.gpc": [{ kind: "context", type: "boolean", description: "Sec-GPC: 1 was sent" }, (f) => f.context.gpc],
  "context.channel": [
    {
      kind: "context",
      type: "string",
      description: "which channel asks: web (pages), or what a /decide caller says (app, email, …)",
      shape: { pattern: CHANNEL_TOKEN, says: "a lower-case token of at most 16 letters, digits or '-' (web, app, email…)" },
    },
    (f) => f.context.channel,
  ],
  "time.hour": [{ kind: "time", type: "number", description: "visitor's local hour 0..23 (context.timezone, else UTC)" }, (f) => local(f).hour],
  "time.weekday": [{ kind: "time", type: "string", description: "visitor's local weekday", values: WEEKDAYS }, (f) => local(f).weekday],
  "time.date": [{ kind: "time", type: "string", description: "visitor's local date YYYY-MM-DD" }, (f) => local(f).date],
  "visitor.new": [
    { kind: "behaviour", type: "boolean", description: "no visit on record before (no snapshot, or visits <= 1)" },
    (f) => !f.snapshot?.visits || f.snapshot.visits <= 1,
  ],
  "visitor.visits": [{ kind: "behaviour", type: "number", description: "visit count" }, (f) => f.snapshot?.visits],
  "visitor.daysSinceLastVisit": [
    { kind: "behaviour", type: "number", description: "days (fractional) since the previous visit" },
    (f) => (f.snapshot?.lastVisitAt === undefined ? undefined : (f.now - f.snapshot.lastVisitAt) / DAY_MS),
  ],
  "visitor.cart.items": [{ kind: "behaviour", type: "number", description: "items in the cart (0 without a cart)" }, (f) => (f.snapshot ? (f.snapshot.cart?.count ?? 0) : undefined)],
  "visitor.cart.value": [{ kind: "behaviour", type: "number", description: "cart value" }, (f) => f.snapshot?.cart?.value],
  "visitor.cart.abandoned": [
    { kind: "behaviour", type: "boolean", description: "the cart was left without checkout" },
    (f) => (f.snapshot ? (f.snapshot.cart?.abandoned ?? false) : undefined),
  ],
  "visitor.cart.skus": [{ kind: "behaviour", type: "string[]", description: "SKUs in the cart" }, (f) => f.snapshot?.cart?.skus],
  "visitor.cart.categories": [
    { kind: "behaviour", type: "string[]", description: "categories of the cart's items (the add event's category, else its page's), e.g. running-shoes" },
    (f) => f.snapshot?.cart?.categories,
  ],
  "visitor.conversions": [{ kind: "behaviour", type: "number", description: "conversions on record" }, (f) => (f.snapshot ? (f.snapshot.conversions ?? 0) : undefined)],
  "visitor.hoursSinceConversion": [
    { kind: "behaviour", type: "number", description: "hours since the last conversion (absent when none)" },
    (f) => (f.snapshot?.lastConversionAt === undefined ? undefined : (f.now - f.snapshot.lastConversionAt) / HOUR_MS),
  ],
  "visitor.openServiceCase": [
    { kind: "behaviour", type: "boolean", description: "the visitor has an open customer-service case" },
    (f) => (f.snapshot ? (f.snapshot.openServiceCase ?? false) : undefined),
  ],
  "visitor.openCases": [
    { kind: "behaviour", type: "number", description: "service cases a backend opened and has not closed (server events)" },
    (f) => (f.snapshot ? (f.snapshot.openCases ?? 0) : undefined),
  ],
  "visitor.subscription.status": [
    { kind: "behaviour", type: "string", description: "the subscription as a backend last said (server events)", values: SUBSCRIPTION_STATUSES },
    (f) => f.snapshot?.subscription?.status,
  ],
  "visitor.subscription.plan": [{ kind: "behaviour", type: "string", description: "the subscription's plan as a backend last said (server events)" }, (f) => f.snapshot?.subscription?.plan],
};

/** Keyed attributes: prefix → definition and getter for one key. */
const KEYED: Record<string, [Omit<AttributeDef, "name">, (key: string) => Getter]> = {
  "profile.attrs": [{ kind: "segmentation", type: "string", description: "a site-specific profile attribute" }, (k) => (f) => f.profile?.attrs?.[k]],
  "context.query": [{ kind: "context", type: "string", description: "a query string parameter (first value)" }, (k) => (f) => own(f.context.query, k)],
  "context.utm": [{ kind: "context", type: "string", description: "a UTM parameter without the utm_ prefix (source, medium, campaign, term, content)" }, (k) => (f) => own(f.context.utm, k)],
  "visitor.recentViews": [{ kind: "behaviour", type: "number", description: "recent page views in a category" }, (k) => (f) => (f.snapshot ? (own(f.snapshot.recentViews, k) ?? 0) : undefined)],
  "visitor.interest": [{ kind: "behaviour", type: "number", description: "inferred interest in a topic, 0..1, decayed to now" }, (k) => (f) => (f.snapshot ? (own(f.snapshot.interests, k) ?? 0) : undefined)],
};

/** Own-property lookup: a query key such as `__proto__` or `constructor` must not reach Object.prototype. */
function own<T>(rec: Record<string, T> | undefined, key: string): T | undefined {
  return rec !== undefined && Object.hasOwn(rec, key) ? rec[key] : undefined;
}

/** Every attribute a rule may name (keyed ones as `prefix.<key>`), for the README and the CLI. */
export const ATTRIBUTES: readonly AttributeDef[] = [
  ...Object.entries(FIXED).map(([name, [def]]) => ({ name, ...def })),
  ...Object.entries(KEYED).map(([name, [def]]) => ({ name: `${name}.<key>`, ...def })),
];

export interface ResolvedAttribute {
  def: AttributeDef;
  get: Getter;
}

/**
 * Resolves an attribute path to its definition and a getter, or undefined when unknown.
 *
 * @example
 * resolveAttribute("context.utm.campaign")?.get(facts); // "spring"
 * resolveAttribute("profile.favouriteColour"); // undefined
 */
export function resolveAttribute(path: string): ResolvedAttribute | undefined {
  const fixed = Object.hasOwn(FIXED, path) ? FIXED[path] : undefined;
  if (fixed) return { def: { name: path, ...fixed[0] }, get: fixed[1] };
  const dot = path.lastIndexOf(".");
  if (dot <= 0) return undefined;
  // Keys may not contain dots; the prefix is everything before the last one.
  const prefix = path.slice(0, dot);
  const key = path.slice(dot + 1);
  const keyed = Object.hasOwn(KEYED, prefix) ? KEYED[prefix] : undefined;
  if (!keyed || key.length === 0) return undefined;
  return { def: { name: `${prefix}.<key>`, ...keyed[0] }, get: keyed[1](key) };
}

/** Kinds that need `consent.personalize`. */
export function isPersonal(kind: AttributeKind): boolean {
  return kind === "segmentation" || kind === "behaviour";
}
