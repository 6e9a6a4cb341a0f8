/**
 * The decision engine's plain-data contract. Nothing here touches the platform:
 * the engine runs the same in workerd and in plain Node.
 *
 * The manifest types are inferred from the schema in `./schema.ts`, so the
 * published JSON, the CLI's validation and the engine agree by construction.
 */
import type * as v from "valibot";
import type {
  ManifestSchema,
  RuleSchema,
  VariantSchema,
  SlotSchema,
  ExperimentSchema,
  ProfileClaimsSchema,
} from "./schema.ts";

export type Manifest = v.InferOutput<typeof ManifestSchema>;
export type Rule = v.InferOutput<typeof RuleSchema>;
export type Variant = v.InferOutput<typeof VariantSchema>;
export type Slot = v.InferOutput<typeof SlotSchema>;
export type Experiment = v.InferOutput<typeof ExperimentSchema>;
/** Verified claims of the site's profile cookie (README "The profile cookie"). */
export type Profile = v.InferOutput<typeof ProfileClaimsSchema>;
/** Stated preferences: the profile's `prefs` claim, or what the visitor set in the preference centre. */
export type Prefs = NonNullable<Profile["prefs"]>;

export type DeviceClass = "mobile" | "tablet" | "desktop" | "bot" | "unknown";

/** What the request itself says. Built by `src/context/` from headers and `request.cf`. */
export interface RequestContext {
  /** URL path, e.g. "/products/leggings". */
  path: string;
  /** Full query string parameters (first value of each). */
  query: Record<string, string>;
  /** utm_source, utm_medium, utm_campaign, utm_term, utm_content (without the prefix). */
  utm: Record<string, string>;
  device: DeviceClass;
  /** ISO 3166-1 alpha-2, upper case, when known. */
  country?: string;
  region?: string;
  city?: string;
  /** IANA time zone, e.g. "Europe/Berlin"; the engine derives local hour/weekday from it and `now`. */
  timezone?: string;
  /** Host of the Referer header, lower case, when it is another site. */
  referrerHost?: string;
  /** Primary language from Accept-Language, e.g. "de". */
  language?: string;
  /** `Sec-GPC: 1` was sent. */
  gpc: boolean;
  /**
   * Which channel asks: `web` for a page; for GET /__p13n/decide what the caller says (`app`,
   * `email`, …: a short lower-case token), absent when it says nothing.
   */
  channel?: string;
}

/**
 * What the visitor's Durable Object knows (filled by the visitor-memory issue).
 * Every field optional: an absent snapshot (budget miss) decides without it.
 */
export interface VisitorSnapshot {
  visits?: number;
  /** Epoch ms of the previous visit (not this one). */
  lastVisitAt?: number;
  /** Page views in the recent window, by category. */
  recentViews?: Record<string, number>;
  /** Inferred interest per topic, already decayed to `now`, 0..1 scaled. */
  interests?: Record<string, number>;
  cart?: CartSnapshot;
  conversions?: number;
  lastConversionAt?: number;
  openServiceCase?: boolean;
  /** Service cases a backend opened and has not closed (server events); any makes `openServiceCase` true. */
  openCases?: number;
  /** The subscription as a backend last described it (server events). */
  subscription?: { plan?: string; status: string };
  /** Impressions per variant key `slot/variant` and per campaign `campaign:<id>`, with timestamps (epoch ms). */
  impressions?: Record<string, number[]>;
}

/**
 * One cart line as the events that added it described it (the beacon's cart fields, bounded
 * there: README "The cart").
 */
export interface CartItem {
  sku: string;
  qty: number;
  price?: number;
  name?: string;
  /** An http(s) or root-relative URL; never written into a page by a placeholder. */
  image?: string;
  category?: string;
}

/** The visitor's cart as the engine sees it. */
export interface CartSnapshot {
  /** Items in the cart: the lines' quantities added up (`visitor.cart.items`). */
  count: number;
  /** The most recently added lines first, at most MAX_SNAPSHOT_CART_ITEMS of them (`cart.items.<n>` placeholders). */
  items: CartItem[];
  value?: number;
  updatedAt?: number;
  abandoned?: boolean;
  /** Every line's SKU and (distinct) category, most recently added first (`visitor.cart.skus`, `visitor.cart.categories`). */
  skus?: string[];
  categories?: string[];
}

/** What the visitor allowed. Absent fields mean "not said": the policy decides. */
export interface Consent {
  personalize: boolean;
  track: boolean;
}

export interface DecideInput {
  manifest: Manifest;
  profile: Profile | null;
  context: RequestContext;
  snapshot: VisitorSnapshot | null;
  /** Stable id for bucketing: profile `sub` when signed in, else the anonymous visitor id; null when none may be used. */
  unitId: string | null;
  consent: Consent;
  /**
   * The visitor's own stated preferences (the preference centre, /__p13n/me): each field
   * present outranks the profile's `prefs` field. Usable without personalization consent.
   */
  statedPrefs?: Prefs | null;
  /** Epoch ms. The engine never reads the clock. */
  now: number;
  /** Only decide these slots (e.g. those found on the page); all of the manifest's when absent. */
  slots?: readonly string[];
  /** Learned allocation weights per experiment arm (the bandit seam); absent → the manifest's weights. */
  allocation?: Record<string, Record<string, number>>;
}

export type RejectReason =
  | "audience"
  | "schedule"
  | "daypart"
  | "cap"
  | "suppressed"
  | "consent"
  | "frequency"
  | "experiment"
  | "outscored";

export interface Rejection {
  variant: string;
  reason: RejectReason;
  detail: string;
}

export interface ExperimentAssignment {
  id: string;
  arm: string;
  /** Bucket in [0, 10000). */
  bucket: number;
  /** True when the visitor falls in this experiment's (or the global) holdout. */
  holdout: boolean;
}

export interface Decision {
  slot: string;
  /** Chosen variant id, or null: keep the origin's default content. */
  variant: string | null;
  /** HTML to put in the slot (null with a null variant), its placeholders filled for this visitor. */
  html: string | null;
  /** The html was filled from this visitor's facts (placeholders): never reuse it for another visitor. */
  filled?: true;
  experiment?: ExperimentAssignment;
  /** Why the chosen one won, in plain words, most important first. */
  reasons: string[];
  rejected: Rejection[];
  score?: number;
}

export interface DecideResult {
  decisions: Decision[];
  /** The visitor is in the global holdout: no personalization anywhere. */
  holdout: boolean;
  manifestVersion: string;
}
