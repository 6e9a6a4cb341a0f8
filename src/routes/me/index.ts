/**
 * /__p13n/me — what is known about me, my stated preferences, erase me. Answers
 * (JSON `{ error: { code, message } }` on failure):
 *
 * | method | status | code | when |
 * |--------|--------|------|------|
 * | GET    | 200    | —    | the view as JSON; as the preference page (HTML) when the browser asks for HTML |
 * | PUT    | 200    | —    | preferences stated (JSON body, see preferences.ts); the new view |
 * | DELETE | 200    | —    | everything stored erased, our cookies cleared: `{ erased, cleared }` |
 * | PUT/DELETE | 403 | CROSS_SITE | not from this site's own pages |
 * | PUT    | 415    | UNSUPPORTED_MEDIA_TYPE | not `application/json` (so no HTML form can send it) |
 * | PUT    | 413    | TOO_LARGE | over 4 KiB |
 * | PUT    | 400    | MALFORMED_JSON / INVALID_PREFERENCES | not JSON / fails the schema (the message names the field) |
 * | PUT    | 409    | NOT_STORED | topics, channels or frequency while memory is off (nothing may be stored) |
 * | PUT    | 429    | RATE_LIMITED | no visitor cookie, and this client's new visitor ids are used up (NEW_VISITORS; Retry-After) |
 * | any    | 503    | STATE_UNAVAILABLE | the visitor's storage did not answer in time; nothing half-done is reported as done |
 *
 * Identity comes from verified cookies only (the profile's signature, the visitor id's
 * HMAC): a visitor can only ever see or erase their own data. No visitor id is issued
 * by a read.
 */
import { Hono, type Context } from "hono";
import type { AppEnv } from "../../app-env.ts";
import type { Config } from "../../config/config.ts";
import { requireConfig } from "../../configure.ts";
import { liveManifest } from "../../pipeline/inputs.ts";
import { describeError, refuse, type ErrorCode } from "../../errors.ts";
import { clearHostCookie, readCookie } from "../../cookies.ts";
import { resolveIdentity, type Identity } from "../../identity/resolve.ts";
import { newVisitorGate } from "../../identity/new-visitor-limit.ts";
import { issueVisitorId, VISITOR_COOKIE } from "../../identity/visitor-id.ts";
import { CHOICE_COOKIE, choiceCookie, refuses } from "../../privacy/choice-cookie.ts";
import { decidePrivacy } from "../../privacy/policy.ts";
import type { ConsentClaims, PrivacyDecision } from "../../privacy/types.ts";
import { withinBudget } from "../../timing.ts";
import type { VisitorNamespace } from "../../visitor/access.ts";
import { copySettings, dropCopies } from "../../visitor/edge-copy.ts";
import { erasedCookie } from "../../visitor/erased-cookie.ts";
import { anonymousObjectName, visitorStub } from "../../visitor/key.ts";
import { withdrawVisitor } from "../../visitor/withdraw.ts";
import { crossSiteReason, mediaType } from "../cross-site.ts";
import { readBody } from "../read-body.ts";
import { meScript, meStyle } from "./assets.ts";
import { wantsHtml } from "./negotiate.ts";
import { renderPage } from "./page.ts";
import { applyPreferences, MAX_PREFERENCES_BYTES, parsePreferences, statesPreferences, type PreferencesUpdate } from "./preferences.ts";
import { buildView, describeHolders, holdersOf, type Holders, type MeView } from "./view.ts";
import { logEvent } from "../../observability/log.ts";

/** Never cached anywhere, and the answer differs by cookie and by Accept. */
const PRIVATE = { "cache-control": "private, no-store", vary: "Accept, Cookie" };
/** The page may run only its own script and style, and may not be framed (the erase button). */
const PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

function namespace(c: Context<AppEnv>): VisitorNamespace {
  return c.env.VISITOR;
}

async function manifestOf(c: Context<AppEnv>, config: Config) {
  const read = await liveManifest({ config, env: c.env, waitUntil: (p) => c.executionCtx.waitUntil(p) }, Date.now());
  return read.manifest;
}

async function view(c: Context<AppEnv>, config: Config, who: Identity, privacy: PrivacyDecision, holders: Holders, now: number, cookies: { visitor: boolean; choice: boolean }): Promise<MeView> {
  const [parts, manifest] = await Promise.all([describeHolders(namespace(c), holders, config.stateWriteBudgetMs, now), manifestOf(c, config)]);
  const site = readCookie(c.req.raw, config.consentCookie) !== undefined;
  return buildView({ config, profile: who.profile, privacy, parts, manifest, cookies: { ...cookies, site } });
}

function present(c: Context<AppEnv>, v: MeView, headers: Headers, asHtml: boolean, status: 200 = 200): Response {
  for (const [k, val] of Object.entries(PRIVATE)) headers.set(k, val);
  if (asHtml) {
    headers.set("content-type", "text/html; charset=utf-8");
    headers.set("content-security-policy", PAGE_CSP);
    headers.set("x-content-type-options", "nosniff");
    headers.set("referrer-policy", "same-origin");
    return new Response(renderPage(v), { status, headers });
  }
  headers.set("content-type", "application/json; charset=utf-8");
  return new Response(JSON.stringify(v), { status, headers });
}

function cookieFlags(c: Context<AppEnv>) {
  return { visitor: readCookie(c.req.raw, VISITOR_COOKIE) !== undefined, choice: readCookie(c.req.raw, CHOICE_COOKIE) !== undefined };
}

async function getMe(c: Context<AppEnv>): Promise<Response> {
  const config = c.get("config");
  const now = Date.now();
  const who = await resolveIdentity(c.req.raw, config, now);
  const asHtml = c.req.query("format") !== "json" && wantsHtml(c.req.header("accept") ?? null);
  try {
    return present(c, await view(c, config, who, who.privacy, holdersOf(who), now, cookieFlags(c)), new Headers(), asHtml);
  } catch (err) {
    logEvent("error", "me.get", "ME_FAILED", { error: describeError(err) });
    return refuse("STATE_UNAVAILABLE", "what is stored about you could not be read just now; try again in a moment", { ...PRIVATE, "retry-after": "5" });
  }
}

/**
 * Erases every holder, and their copies in this colo (src/visitor/edge-copy.ts); returns which
 * were erased and, when a profile's object was, the Set-Cookie that keeps copies from before
 * out of this browser's pages in every other colo (src/visitor/erased-cookie.ts). Throws unless
 * all were erased. `refusing`: the signed-in visitor's `sub` when they refuse tracking, so their
 * erased object keeps a note of the no (two dates): a backend's server events and hooks then
 * respect it too (src/visitor/store/consent-state.ts).
 */
async function forgetAll(
  c: Context<AppEnv>,
  config: Config,
  holders: Holders,
  refusing: string | null = null,
): Promise<{ erased: Array<"profile" | "anonymous">; setCookies: string[] }> {
  const erased: Array<"profile" | "anonymous"> = [];
  let last = 0;
  for (const kind of ["profile", "anonymous"] as const) {
    const name = holders[kind];
    if (!name) continue;
    const r = await withinBudget(visitorStub(namespace(c), name).forget(), config.stateWriteBudgetMs);
    if (!r.ok) throw r.error;
    erased.push(kind);
    last = Math.max(last, r.value.erasedAt);
  }
  if (refusing !== null && !(await withdrawVisitor(namespace(c), refusing, { now: Date.now(), keep: true }, config.stateWriteBudgetMs))) {
    throw new Error("the refusal could not be noted");
  }
  const copies = copySettings(config);
  if (!copies || erased.length === 0) return { erased, setCookies: [] };
  await dropCopies(copies, [holders.profile, holders.anonymous].filter((n): n is string => n !== null));
  // An anonymous visitor's next page has a new id, so a new object: no copy of the old one can match.
  // A signed-in visitor keeps their object's name (the site keeps its profile cookie).
  return { erased, setCookies: erased.includes("profile") ? [erasedCookie(last, config.memoryCopyMaxAgeS)] : [] };
}

/** A PUT's preferences, from this site's own pages only, as JSON within the limit; else the refusal. */
async function readUpdate(request: Request): Promise<{ ok: true; update: PreferencesUpdate } | { ok: false; refused: Response }> {
  const no = (code: ErrorCode, message: string) => ({ ok: false as const, refused: refuse(code, message, PRIVATE) });
  const why = crossSiteReason(request);
  if (why) return no("CROSS_SITE", `preferences change only from this site's own pages (${why})`);
  if (mediaType(request) !== "application/json") return no("UNSUPPORTED_MEDIA_TYPE", "send the preferences as JSON with Content-Type: application/json");
  const body = await readBody(request, MAX_PREFERENCES_BYTES);
  if (!body.ok) return no("TOO_LARGE", `preferences are at most ${MAX_PREFERENCES_BYTES} bytes`);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(body.bytes));
  } catch {
    return no("MALFORMED_JSON", "the body is not JSON");
  }
  const parsed = parsePreferences(json);
  if (!parsed.ok) return no("INVALID_PREFERENCES", `${parsed.path ? `${parsed.path}: ` : ""}${parsed.message}`);
  return { ok: true, update: parsed.update };
}

/** The visitor's stated preferences, updated in their object (read, then written, each within the budget). */
async function writePreferences(c: Context<AppEnv>, name: string, update: PreferencesUpdate, now: number): Promise<string[]> {
  const budget = c.get("config").stateWriteBudgetMs;
  const current = await withinBudget(visitorStub(namespace(c), name).describe({ now }), budget);
  if (!current.ok) throw current.error;
  const written = await withinBudget(visitorStub(namespace(c), name).setPreferences(applyPreferences(current.value.statedPrefs, update), now), budget);
  if (!written.ok) throw written.error;
  // The next page here reads the object (with the new preferences) instead of this colo's copy;
  // and, through the cookie, no copy from before the change decides this browser's pages anywhere
  // (another isolate's or colo's copy lives on until MEMORY_COPY_MAX_AGE_S).
  const copies = copySettings(c.get("config"));
  if (!copies) return [];
  await dropCopies(copies, [name]);
  return [erasedCookie(written.value.at, c.get("config").memoryCopyMaxAgeS)];
}

async function putMe(c: Context<AppEnv>): Promise<Response> {
  const config = c.get("config");
  const request = c.req.raw;
  const now = Date.now();
  const read = await readUpdate(request);
  if (!read.ok) return read.refused;
  const update = read.update;

  const who = await resolveIdentity(request, config, now);
  // The visitor's own choice, updated; the decision as it will be from the next request on.
  const choice: ConsentClaims = { ...who.privacy.signals.visitor };
  if (update.personalize !== undefined) choice.personalize = update.personalize;
  if (update.track !== undefined) choice.track = update.track;
  const privacy = decidePrivacy({ ...who.privacy.signals, visitor: choice }, config.privacy);
  if (statesPreferences(update) && !privacy.track) {
    return refuse("NOT_STORED", "memory is off, so nothing about you is stored, not even stated preferences; your account's own preferences still apply", PRIVATE);
  }

  const headers = new Headers();
  let holders = holdersOf(who);
  const cookies = cookieFlags(c);
  try {
    if (update.track === false) {
      // "Don't remember me": stop, and erase what is already stored (signed in: the no is noted).
      for (const set of (await forgetAll(c, config, holders, who.profile?.sub ?? null)).setCookies) headers.append("set-cookie", set);
      if (holders.anonymous) headers.append("set-cookie", clearHostCookie(VISITOR_COOKIE));
      holders = { profile: holders.profile, anonymous: null };
      cookies.visitor = false;
    } else if (statesPreferences(update)) {
      let name = holders.profile ?? holders.anonymous;
      if (!name) {
        // A first visit straight to the preference page: the id that will hold the preferences,
        // counted against the same per-client limit of new visitors as pages (an object per call otherwise).
        if (!config.visitorSecret) return refuse("STATE_UNAVAILABLE", "no visitor id can be issued (VISITOR_SECRET is not set)", PRIVATE);
        if (!(await newVisitorGate(c.env.NEW_VISITORS, request)())) {
          return refuse("RATE_LIMITED", "too many new visitors from your network just now; nothing was saved, try again in a minute", { ...PRIVATE, "retry-after": "60" });
        }
        const issued = await issueVisitorId(config.visitorSecret);
        headers.append("set-cookie", issued.setCookie);
        name = anonymousObjectName(issued.id);
        holders = { profile: null, anonymous: name };
        cookies.visitor = true;
      }
      for (const set of await writePreferences(c, name, update, now)) headers.append("set-cookie", set);
    }
  } catch (err) {
    logEvent("error", "me.put", "ME_FAILED", { error: describeError(err) });
    return refuse("STATE_UNAVAILABLE", "your preferences could not be saved just now; nothing was changed, try again", { ...PRIVATE, "retry-after": "5" });
  }
  if (update.personalize !== undefined || update.track !== undefined) {
    headers.append("set-cookie", choiceCookie(choice));
    cookies.choice = update.personalize !== undefined || update.track !== undefined;
  }
  try {
    return present(c, await view(c, config, who, privacy, holders, now, cookies), headers, false);
  } catch (err) {
    logEvent("error", "me.put.view", "ME_FAILED", { error: describeError(err) });
    return present(c, buildView({ config, profile: who.profile, privacy, parts: [], manifest: null, cookies: { ...cookies, site: false } }), headers, false);
  }
}

async function deleteMe(c: Context<AppEnv>): Promise<Response> {
  const config = c.get("config");
  const request = c.req.raw;
  const why = crossSiteReason(request);
  if (why) return refuse("CROSS_SITE", `erasure happens only from this site's own pages (${why})`, PRIVATE);
  const who = await resolveIdentity(request, config, Date.now());
  // A refusal is kept: erasing must never turn tracking back on (nor let a backend's server events do it).
  const keep = refuses(who.privacy.signals.visitor);
  let erased: Array<"profile" | "anonymous">;
  const headers = new Headers();
  try {
    const done = await forgetAll(c, config, holdersOf(who), who.privacy.signals.visitor.track === false ? (who.profile?.sub ?? null) : null);
    erased = done.erased;
    for (const set of done.setCookies) headers.append("set-cookie", set);
  } catch (err) {
    logEvent("error", "me.delete", "ME_FAILED", { error: describeError(err) });
    return refuse("STATE_UNAVAILABLE", "erasure did not complete; try again (it is safe to repeat)", { ...PRIVATE, "retry-after": "5" });
  }
  const cleared = [VISITOR_COOKIE];
  headers.append("set-cookie", clearHostCookie(VISITOR_COOKIE));
  if (!keep && readCookie(request, CHOICE_COOKIE) !== undefined) {
    headers.append("set-cookie", clearHostCookie(CHOICE_COOKIE));
    cleared.push(CHOICE_COOKIE);
  }
  for (const [k, val] of Object.entries(PRIVATE)) headers.set(k, val);
  headers.set("content-type", "application/json; charset=utf-8");
  const body = {
    erased,
    cleared,
    kept: keep ? [CHOICE_COOKIE] : [],
    note: who.profile
      ? `The site's own account cookie (${config.profileCookie}) is the site's: sign out to stop being recognized, or turn memory off.`
      : "Your next page starts as a new, anonymous visitor.",
  };
  return new Response(JSON.stringify(body), { status: 200, headers });
}

/**
 * Mounted at /__p13n/me.
 *
 * @example
 * own.route("/me", meRoutes());
 */
export function meRoutes(): Hono<AppEnv> {
  const me = new Hono<AppEnv>();
  me.get("/", requireConfig, getMe);
  me.put("/", requireConfig, putMe);
  me.delete("/", requireConfig, deleteMe);
  me.get("/app.js", meScript);
  me.get("/style.css", meStyle);
  return me;
}
