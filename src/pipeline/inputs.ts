/**
 * The one step that gathers a decision's inputs, for every caller that decides: the page path
 * (src/personalize.ts), `GET /__p13n/decide` (src/routes/decide.ts) and an editor's preview
 * (src/pipeline/preview-page.ts). In parallel: who is asking (profile, visitor id, consent:
 * src/identity/resolve.ts), the published manifest and the bandit's allocation (held per
 * isolate), and the visitor's memory (one snapshot call, within STATE_BUDGET_MS); then the
 * request's context. Out: the engine's `decide()` input, and what each part cost.
 *
 * The rules it keeps, whoever calls:
 *  - a visitor id is issued (within the per-client limit) and memory is read only once
 *    `isPage` says yes: at once for a navigation or an app's /decide call, after the origin's
 *    headers say HTML for any other page request, never for assets;
 *  - nothing is asked for an id issued on this very request without a profile (it has no
 *    object yet); a verified profile's object is read even when a visitor id is issued beside it,
 *    so an app that sends only `X-P13n-Profile` gets that visitor's memory and stated preferences;
 *  - memory is read without personalization consent too (stated preferences live there; the
 *    engine ignores behaviour without consent), never without consent to track;
 *  - the colo's copy of the memory decides when it may (src/visitor/edge-copy.ts: young enough,
 *    not older than this browser's last erasure), and the object is then not asked at all.
 *  - a signed-in visitor whose request refuses tracking, from a browser that carries our visitor
 *    cookie (one we remembered before), has their object told so (after the answer:
 *    src/visitor/withdraw.ts), so their waiting hooks and later server events stop.
 *
 * @example
 * const inputs = await gatherInputs(deps, { request, url, now, isPage: Promise.resolve(true) });
 * const result = inputs.input ? decide(inputs.input) : null;
 */
import type { Bindings } from "../app-env.ts";
import type { Config } from "../config/config.ts";
import { readManifest, type ManifestRead } from "../content/manifest-store.ts";
import { requestContext } from "../context/request-context.ts";
import type { Consent, DecideInput, Manifest, Profile, RequestContext } from "../engine/types.ts";
import { newVisitorGate } from "../identity/new-visitor-limit.ts";
import { resolveIdentity, type Identity } from "../identity/resolve.ts";
import { readAllocation, type Allocation } from "../results-store/allocation-store.ts";
import type { TimingEntry } from "../timing.ts";
import type { StateRead } from "../visitor/access.ts";
import { copySettings } from "../visitor/edge-copy.ts";
import { readErasedAt } from "../visitor/erased-cookie.ts";
import { visitorObjectName } from "../visitor/key.ts";
import { readMemory } from "../visitor/read-memory.ts";
import { withdrawVisitor } from "../visitor/withdraw.ts";

/** What the step reads from: the config, the bindings, and where background work goes. */
export interface InputDeps {
  config: Config;
  env: Pick<Bindings, "CONTENT" | "VISITOR" | "NEW_VISITORS">;
  waitUntil: (p: Promise<unknown>) => void;
}

/** The request to decide for. */
export interface InputAsk {
  request: Request;
  /** The page decided for: its path and query are the context's (the request's own URL for a page). */
  url: URL;
  now: number;
  /** True once the answer is known to be a page: only then is an id issued or memory read. */
  isPage: Promise<boolean>;
  /** A profile token sent another way than the cookie (an app's `X-P13n-Profile`). */
  profileToken?: string | undefined;
  /** Decide only these slots. */
  slots?: readonly string[] | undefined;
  /** Who is asking when it is not the request's cookies (an editor's preview: no id, no memory). */
  identity?: Identity;
  /** The manifest when not the live one as visitors get it (a preview's staged version, its longer budget). */
  manifest?: () => Promise<ManifestRead>;
  /** False: decide with the manifest's weights, not the bandit's (a preview shows the rules). */
  allocation?: boolean;
  /** Adjusts the request's context (a preview's device, country, time zone). */
  context?: (base: RequestContext) => RequestContext;
}

export interface Inputs {
  identity: Identity;
  manifest: ManifestRead;
  /** The bandit's published weights, or undefined: the manifest's weights apply. */
  allocation: Allocation | undefined;
  /** The visitor's object when remembering is allowed; null: nothing is read or written. */
  objectName: string | null;
  state: StateRead;
  context: RequestContext;
  /** The engine's input, or null when nothing is decided: no manifest, or NO_CONSENT_MODE "none" without consent. */
  input: DecideInput | null;
  /** Server-Timing entries: profile, manifest, state. */
  timings: TimingEntry[];
}

const NO_STATE: StateRead = { snapshot: null, status: "miss", ms: 0 };

/**
 * Whether there is any memory to ask for. A just-issued anonymous id has none yet (no object
 * until the cookie comes back); a verified profile's object may, whatever else was issued.
 */
export function memoryToAsk(identity: Pick<Identity, "setCookie" | "profile">, objectName: string | null): objectName is string {
  return objectName !== null && !(identity.setCookie !== null && !identity.profile);
}

/**
 * The engine's eight-field input, assembled in one place.
 *
 * @example
 * decide(engineInput({ manifest, who: identity, state, context, now, allocation }));
 */
export function engineInput(p: {
  manifest: Manifest;
  who: { profile: Profile | null; unitId: string | null; consent: Consent };
  state: Pick<StateRead, "snapshot">;
  context: RequestContext;
  now: number;
  allocation?: Allocation | undefined;
  slots?: readonly string[] | undefined;
}): DecideInput {
  return {
    manifest: p.manifest,
    profile: p.who.profile,
    context: p.context,
    snapshot: p.state.snapshot,
    unitId: p.who.unitId,
    consent: p.who.consent,
    // The visitor's own stated preferences (preference centre) outrank the profile's.
    statedPrefs: p.state.snapshot?.statedPrefs ?? null,
    now: p.now,
    ...(p.slots ? { slots: p.slots } : {}),
    // The bandit's learned weights, for experiments with `bandit: true`; absent → the manifest's.
    ...(p.allocation ? { allocation: p.allocation } : {}),
  };
}

/**
 * The live manifest as visitors get it (held per isolate: src/content/manifest-store.ts), for
 * routes that need only it (beacons' declared goals, /me, healthz).
 *
 * @example
 * const { manifest } = await liveManifest(deps, Date.now());
 */
export function liveManifest(deps: InputDeps, now: number): Promise<ManifestRead> {
  const { config } = deps;
  return readManifest(deps.env.CONTENT, { ttlMs: config.manifestTtlMs, budgetMs: config.manifestBudgetMs, waitUntil: deps.waitUntil, now });
}

/** Never throws for a slow or failing part: each degrades (anonymous, no manifest, no memory). */
export async function gatherInputs(deps: InputDeps, ask: InputAsk): Promise<Inputs> {
  const { config, env } = deps;
  const started = performance.now();
  // A new visitor id is counted against the client's limit (src/identity/new-visitor-limit.ts),
  // and only asked for once the request is known to be a page.
  const gate = newVisitorGate(env.NEW_VISITORS, ask.request);
  const issue = () => ask.isPage.then((yes) => yes && gate());
  const identityPromise = ask.identity
    ? Promise.resolve({ identity: ask.identity, ms: 0 })
    : resolveIdentity(ask.request, config, ask.now, { issue, profileToken: ask.profileToken }).then((identity) => ({ identity, ms: performance.now() - started }));
  // Started as soon as we know whose memory to read (and that it is a page): still in parallel with KV.
  const statePromise = Promise.all([identityPromise, ask.isPage]).then(([{ identity }, page]) => {
    const objectName = visitorObjectName(identity);
    const ns = env.VISITOR as Bindings["VISITOR"] | undefined;
    // A signed-in visitor who now says no to tracking, in a browser we remembered before (our
    // visitor cookie came back): their object is told, after the answer (hooks and server events
    // stop). Without that cookie there is nothing this browser could have left: no call at all.
    if (page && !ask.identity && identity.profile && !identity.consent.track && identity.cookieVisitorId) {
      deps.waitUntil(withdrawVisitor(ns, identity.profile.sub, { now: ask.now }, config.stateWriteBudgetMs));
    }
    if (!page || !ns || !memoryToAsk(identity, objectName)) return { objectName, state: NO_STATE };
    return readMemory({
      ns,
      name: objectName,
      now: ask.now,
      budgetMs: config.stateBudgetMs,
      copies: copySettings(config),
      erasedAt: readErasedAt(ask.request),
      settings: { halfLifeMs: config.interestHalfLifeMs, cartAbandonMs: config.cartAbandonMs },
      waitUntil: deps.waitUntil,
    }).then((state) => ({ objectName, state }));
  });
  const held = { ttlMs: config.manifestTtlMs, budgetMs: config.manifestBudgetMs, waitUntil: deps.waitUntil, now: ask.now };
  const manifestPromise = ask.manifest ? ask.manifest() : liveManifest(deps, ask.now);
  // Beside the manifest, read the same way (held per isolate; never throws).
  const allocationPromise = ask.allocation === false ? Promise.resolve(undefined) : readAllocation(env.CONTENT, held);
  const [{ identity, ms }, manifest, { objectName, state }, allocation] = await Promise.all([identityPromise, manifestPromise, statePromise, allocationPromise]);

  const base = requestContext(ask.request, ask.url);
  const context = ask.context ? ask.context(base) : base;
  // Respect the no: without consent to track, NO_CONSENT_MODE "none" means no personalization at all.
  const input =
    manifest.manifest && identity.privacy.mode !== "none"
      ? engineInput({ manifest: manifest.manifest, who: identity, state, context, now: ask.now, allocation, slots: ask.slots })
      : null;
  const timings: TimingEntry[] = ask.identity
    ? [{ name: "manifest", ms: manifest.ms, desc: manifest.source }]
    : [
        { name: "profile", ms, desc: identity.profile ? "verified" : (identity.profileFailure ?? "none").toLowerCase() },
        { name: "manifest", ms: manifest.ms, desc: manifest.source },
        { name: "state", ms: state.ms, desc: state.status },
      ];
  return { identity, manifest, allocation, objectName, state, context, input, timings };
}
