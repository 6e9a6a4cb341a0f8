/**
 * "What is known about me", gathered for one visitor from their verified cookies only:
 * the profile claims that came with the request, the consent decision and the signals
 * behind it, stated preferences, and whatever the visitor's objects hold (the profile's
 * and, if the browser still carries one, the anonymous id's). The JSON answer and the
 * HTML page are both rendered from this.
 */
import type { Config } from "../../config/config.ts";
import { statedPrefs } from "../../engine/decide.ts";
import type { Manifest, Prefs, Profile } from "../../engine/types.ts";
import { CHOICE_COOKIE } from "../../privacy/choice-cookie.ts";
import type { ConsentSource, PrivacyDecision } from "../../privacy/types.ts";
import { VISITOR_COOKIE } from "../../identity/visitor-id.ts";
import { withinBudget } from "../../timing.ts";
import type { VisitorNamespace } from "../../visitor/access.ts";
import type { Interaction, LastPage, VisitorDescription } from "../../visitor/disclosure.ts";
import { anonymousObjectName, visitorStub } from "../../visitor/key.ts";

/** The objects that may hold this visitor's data: names from verified cookies only. */
export interface Holders {
  profile: string | null;
  anonymous: string | null;
}

/**
 * @example
 * holdersOf(identity); // { profile: "sub:user-1", anonymous: "vid:0f3a…" }
 */
export function holdersOf(who: { profile: Profile | null; cookieVisitorId: string | null }): Holders {
  return {
    profile: who.profile ? `sub:${who.profile.sub}` : null,
    anonymous: who.cookieVisitorId ? anonymousObjectName(who.cookieVisitorId) : null,
  };
}

export interface StoredPart extends VisitorDescription {
  kind: "profile" | "anonymous";
}

export interface MeView {
  signedIn: boolean;
  /** The verified profile claims we received (the site's cookie), or null. */
  profile: Profile | null;
  consent: {
    track: boolean;
    personalize: boolean;
    mode: PrivacyDecision["mode"];
    trackBecause: string;
    personalizeBecause: string;
    signals: PrivacyDecision["signals"];
    policy: PrivacyDecision["policy"];
  };
  statedPreferences: { effective: Prefs | null; yours: Prefs | null; fromProfile: Prefs | null; setAt: string | null };
  inferredInterests: Array<{ topic: string; score: number }>;
  /** Newest first; `data` is the event as recorded (path, slot, variant, topics, goal, value…): the visitor's own. */
  recentInteractions: Array<{ type: string; at: string; summary: string; data: Interaction["data"] }>;
  lastPage: LastPage | null;
  stored: {
    anything: boolean;
    parts: Array<{ kind: "profile" | "anonymous"; visits: number; firstSeen: string | null; lastActive: string | null; deleteAt: string | null; counts: VisitorDescription["counts"] }>;
    retentionDays: number;
    what: readonly string[];
  };
  cookies: Array<{ name: string; present: boolean; purpose: string }>;
  /** Topics the site's content knows, for the preference form. */
  topics: string[];
}

const BECAUSE: Record<ConsentSource, { yes: string; no: string }> = {
  gpc: { yes: "", no: "your browser sends Global Privacy Control (Sec-GPC: 1)" },
  visitor: { yes: "you allowed it here", no: "you turned it off here" },
  profile: { yes: "your account's consent settings allow it", no: "your account's consent settings say no" },
  site: { yes: "you allowed it in the site's cookie settings", no: "you declined it in the site's cookie settings" },
  default: { yes: "the site allows it unless you say no", no: "the site asks for your consent first, and you have not given it" },
};

/** What each stored kind of row is, said plainly (README "Privacy" lists the same). */
export const STORED_WHAT: readonly string[] = [
  "pages you viewed (path, category and topics) in the last 7 days",
  "which content was shown to you, for frequency caps (30 days)",
  "clicks, sign-ups and purchases reported by this site's pages, and your cart's items",
  "interest scores per topic, fading by half every week",
  "up to 200 recent interactions, and the last page's reasons",
  "preferences you stated on this page",
  "when you are signed in: support requests, orders and your subscription as this site's other systems reported them",
];

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

function summarize(e: Interaction): string {
  const d = e.data;
  const s = (k: string) => (typeof d[k] === "string" ? (d[k] as string) : "");
  switch (e.type) {
    case "view":
      return `Viewed ${s("path")}`;
    case "impression":
      return d.served === true ? `Was shown "${s("variant")}" in ${s("slot")}${s("channel") ? ` (${s("channel")})` : ""}` : `Saw ${s("slot")} on screen`;
    case "click":
      return `Clicked ${s("variant") ? `"${s("variant")}" in ` : ""}${s("slot")}`;
    case "conversion":
      return `Completed "${s("goal")}"${s("channel") ? ` (${s("channel")})` : ""}`;
    case "cart":
      return `Cart: ${s("action")}${s("sku") ? ` ${s("sku")}` : ""}`;
    case "service_case":
      return d.open === true ? "Opened a support request" : "Closed a support request";
    case "subscription":
      return `Subscription ${s("status")}${s("plan") ? ` (${s("plan")})` : ""}`;
    default:
      return `Event "${s("name") || e.type}"`;
  }
}

/** Topics the published content uses, sorted (the form offers them). */
export function knownTopics(manifest: Manifest | null, extra: readonly string[] = []): string[] {
  const all = new Set<string>(extra);
  if (manifest) {
    for (const slot of Object.values(manifest.slots)) for (const v of slot.variants) for (const t of v.topics ?? []) all.add(t);
    for (const p of manifest.pages ?? []) for (const t of p.topics ?? []) all.add(t);
  }
  return [...all].sort().slice(0, 60);
}

/** Reads each holder's description within the budget; throws when one cannot be read. */
export async function describeHolders(ns: VisitorNamespace, holders: Holders, budgetMs: number, now: number): Promise<StoredPart[]> {
  const parts: StoredPart[] = [];
  for (const kind of ["profile", "anonymous"] as const) {
    const name = holders[kind];
    if (!name) continue;
    const r = await withinBudget(visitorStub(ns, name).describe({ now }), budgetMs);
    if (!r.ok) throw r.error ?? new Error(`reading ${kind} timed out`);
    parts.push({ kind, ...r.value });
  }
  return parts;
}

export interface ViewInput {
  config: Config;
  profile: Profile | null;
  privacy: PrivacyDecision;
  parts: StoredPart[];
  manifest: Manifest | null;
  cookies: { visitor: boolean; choice: boolean; site: boolean };
}

/**
 * @example
 * const view = buildView({ config, profile, privacy, parts, manifest, cookies });
 * view.consent.trackBecause; // "your browser sends Global Privacy Control (Sec-GPC: 1)"
 */
export function buildView(input: ViewInput): MeView {
  const { privacy, parts, profile } = input;
  // The object the page path uses first (the profile's when signed in): its stated preferences count.
  const active = parts.find((p) => p.kind === (profile ? "profile" : "anonymous"));
  const yours = active?.statedPrefs ?? null;
  const fromProfile = profile?.prefs ?? null;
  const interests = new Map<string, number>();
  for (const p of parts) for (const i of p.interests) interests.set(i.topic, Math.max(interests.get(i.topic) ?? 0, i.score));
  const recent = parts.flatMap((p) => p.recent).sort((a, b) => b.at - a.at).slice(0, 20);
  const lastPage = parts.map((p) => p.lastPage).filter((l): l is LastPage => l !== null).sort((a, b) => b.at - a.at)[0] ?? null;
  const trackBy = BECAUSE[privacy.trackBy];
  const personalizeBy = BECAUSE[privacy.personalizeBy];
  return {
    signedIn: profile !== null,
    profile,
    consent: {
      track: privacy.track,
      personalize: privacy.personalize,
      mode: privacy.mode,
      trackBecause: privacy.track ? trackBy.yes : trackBy.no,
      personalizeBecause: privacy.personalize ? personalizeBy.yes : personalizeBy.no,
      signals: privacy.signals,
      policy: privacy.policy,
    },
    statedPreferences: { effective: statedPrefs(fromProfile ?? undefined, yours) ?? null, yours, fromProfile, setAt: iso(active?.statedAt ?? null) },
    inferredInterests: [...interests].map(([topic, score]) => ({ topic, score })).sort((a, b) => b.score - a.score),
    recentInteractions: recent.map((e) => ({ type: e.type, at: new Date(e.at).toISOString(), summary: summarize(e), data: e.data })),
    lastPage,
    stored: {
      anything: parts.some((p) => p.stored),
      parts: parts
        .filter((p) => p.stored)
        .map((p) => ({ kind: p.kind, visits: p.visits, firstSeen: iso(p.firstSeen), lastActive: iso(p.lastActive), deleteAt: iso(p.deleteAt), counts: p.counts })),
      retentionDays: input.config.retentionDays,
      what: STORED_WHAT,
    },
    cookies: [
      { name: VISITOR_COOKIE, present: input.cookies.visitor, purpose: "a random id (signed, no personal data) so this site can remember your visits; set only while tracking is allowed; 180 days" },
      { name: CHOICE_COOKIE, present: input.cookies.choice, purpose: "your choices on this page about personalization and memory; no id; 1 year" },
      { name: input.config.profileCookie, present: profile !== null, purpose: "the site's own signed account cookie: we read it, the site sets and clears it" },
      { name: input.config.consentCookie, present: input.cookies.site, purpose: "the site's cookie-consent settings: we read them, the site sets them" },
    ],
    topics: knownTopics(input.manifest, [...(yours?.topics ?? []), ...(fromProfile?.topics ?? [])]),
  };
}
