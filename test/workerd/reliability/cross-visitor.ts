/**
 * The cross-visitor leak check: many visitors, each with markers no one else's data carries — a
 * session cookie the origin echoes outside the slots, a profile claim, stated preferences kept in
 * their Durable Object, their visitor id, and the variants only they are shown — all asking at
 * once, over an origin and a visitor namespace slowed by uneven delays, for pages a template may
 * serve (`public, max-age`) and pages it may not, plus /__p13n/me and /__p13n/decide. Every
 * response is searched for every other visitor's markers; each visitor's own are required where
 * they belong, so the check is known to see what it looks for.
 *
 * Markers vs selectors: a rule that picks a visitor's variant names a value (`who eq "p3"`), and
 * content is every visitor's to read, so selectors are short values that are not markers; the
 * markers are what only that visitor's data holds, and what only that visitor's variant renders.
 */
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { invalidateManifest } from "../../../src/content/manifest-store.ts";
import type { Manifest } from "../../../src/engine/types.ts";
import { call, type Called } from "../../fixtures/call.ts";
import { manifest, publish } from "../../fixtures/manifest.ts";
import { putMe } from "../../fixtures/me.ts";
import { fixtureOrigin, html } from "../../fixtures/origin.ts";
import { profileToken } from "../../fixtures/tokens.ts";
import { issuedVisitor, NAVIGATION } from "../../fixtures/visitor.ts";
import { ledger, marker, type LeakScope } from "./matrix.ts";
import { BROWSER } from "./support.ts";

type Kind = "session" | "anonymous" | "signed-in";
const PER_KIND = 8;
const ROUNDS = 3;

interface Visitor {
  name: string;
  kind: Kind;
  cookie: string;
  /** Rendered only for this visitor: their profile variant (V) and their memory variant (M). */
  variantMarker: string | null;
  memoryMarker: string;
  sessionMarker: string | null;
  profileMarker: string | null;
  statedMarker: string;
}

/** A few milliseconds, unevenly: enough for requests to overtake each other. */
function jitter(max: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * max)));
}

/** The real VISITOR namespace, every call delayed a little (a slowed link to the objects). */
function slowedNamespace(real: Env["VISITOR"]): Env["VISITOR"] {
  const ns = {
    idFromName: (name: string) => real.idFromName(name),
    get: (id: DurableObjectId) => {
      const stub = real.get(id) as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
      return new Proxy(
        {},
        {
          get: (_, method) =>
            typeof method !== "string" || method === "then"
              ? undefined
              : async (...args: unknown[]) => {
                  await jitter(12);
                  return stub[method]!(...args);
                },
        },
      );
    },
  };
  // Only the two namespace methods the Worker uses exist; the cast says so.
  return ns as unknown as Env["VISITOR"];
}

/** The page echoes the request's Cookie outside every slot, as a signed-in site's header does. */
function echoPage(req: Request, slots: boolean): string {
  const who = req.headers.get("cookie") ?? "none";
  const body = slots
    ? `<section data-p13n-slot="hero"><h1>Default hero</h1></section><aside data-p13n-slot="memory">Default memory</aside>`
    : "<p>No slots here</p>";
  return `<!doctype html><html><head><title>Shop</title></head><body><header>cookie: ${who}</header>${body}</body></html>`;
}

const PATHS = ["/shared/0", "/shared/1", "/private/0", "/private/1", "/plain"];

function slowOrigin() {
  const routes: Record<string, (req: Request) => Promise<Response>> = {};
  for (const path of PATHS) {
    routes[path] = async (req) => {
      await jitter(15);
      if (path === "/plain") return html(echoPage(req, false));
      return html(echoPage(req, true), path.startsWith("/shared") ? { "cache-control": "public, max-age=60" } : {});
    };
  }
  return fixtureOrigin(routes);
}

function contentFor(run: string, count: number): Manifest {
  const hero = [];
  const memory = [];
  for (let i = 0; i < count; i++) {
    hero.push({ id: `who-p${i}`, html: `<b>profile variant ${marker("v", run, i)}</b>`, audience: { attr: "profile.attrs.who", eq: `p${i}` } });
    memory.push({ id: `mem-m${i}`, html: `<i>memory variant ${marker("m", run, i)}</i>`, audience: { attr: "prefs.topics", contains: `m${i}` } });
  }
  return manifest({ hero, memory } as never, { version: `cross-visitor-${run}` });
}

async function makeVisitor(run: string, i: number, kind: Kind): Promise<Visitor> {
  const profileMarker = kind === "anonymous" ? null : marker("p", run, i);
  const sessionMarker = kind === "session" ? marker("s", run, i) : null;
  const statedMarker = marker("t", run, i);
  const parts: string[] = [];
  if (kind !== "signed-in") {
    // A browser's first page: the visitor id comes back on every later request.
    const first = await call(slowOrigin().fetch, "/plain", { headers: { ...BROWSER, ...NAVIGATION } });
    const issued = issuedVisitor(first.res);
    if (!issued) throw new Error("no visitor id issued");
    parts.push(issued.cookie);
  }
  if (profileMarker) {
    parts.push(`p13n_profile=${await profileToken({ claims: { sub: `sub-${run}-${i}`, attrs: { who: `p${i}`, name: profileMarker } } })}`);
  }
  if (sessionMarker) parts.push(`session=${sessionMarker}`);
  const cookie = parts.join("; ");
  // Stated preferences: the selector the memory variant's rule reads, and a marker only this visitor stated.
  const stated = await putMe(cookie, { topics: [`m${i}`, statedMarker] });
  if (stated.res.status !== 200) throw new Error(`PUT /me answered ${stated.res.status}: ${stated.body}`);
  return {
    name: `${kind}-${i}`,
    kind,
    cookie,
    variantMarker: profileMarker ? marker("v", run, i) : null,
    memoryMarker: marker("m", run, i),
    sessionMarker,
    profileMarker,
    statedMarker,
  };
}

/** What the visitor's own response must show, by what was asked: proof the check sees markers at all. */
function expectOwn(v: Visitor, path: string, got: Called): void {
  expect(got.res.status, `${v.name} ${path}`).toBe(200);
  if (path === "/__p13n/me") {
    expect(got.body, `${v.name}'s stated topic`).toContain(v.statedMarker);
    if (v.profileMarker) expect(got.body, `${v.name}'s profile`).toContain(v.profileMarker);
    return;
  }
  if (path.startsWith("/__p13n/decide")) {
    expect(got.body).toContain(`mem-m${v.name.split("-").at(-1)}`);
    return;
  }
  if (v.sessionMarker) expect(got.body, `${v.name}'s echoed session`).toContain(v.sessionMarker);
  if (path === "/plain") return;
  expect(got.body, `${v.name}'s memory variant on ${path}`).toContain(v.memoryMarker);
  if (v.variantMarker) expect(got.body, `${v.name}'s profile variant on ${path}`).toContain(v.variantMarker);
}

/**
 * Runs the check; returns how many responses it read and how many came from a page template.
 *
 * @example
 * const { responses, templateHits } = await crossVisitorRun(ledger.scope());
 */
export async function crossVisitorRun(seen: LeakScope = ledger.scope()): Promise<{ responses: number; templateHits: number }> {
  const run = crypto.randomUUID().replace(/-/g, "").slice(0, 5);
  const kinds: Kind[] = ["session", "anonymous", "signed-in"];
  await publish(env.CONTENT, contentFor(run, kinds.length * PER_KIND));
  invalidateManifest(env.CONTENT);

  const visitors: Visitor[] = [];
  for (const [k, kind] of kinds.entries()) for (let j = 0; j < PER_KIND; j++) visitors.push(await makeVisitor(run, k * PER_KIND + j, kind));
  for (const v of visitors) {
    const id = /__Host-p13n_vid=([0-9a-f]+)\./.exec(v.cookie)?.[1];
    seen.visitor(v.name, [v.memoryMarker, v.statedMarker, ...[v.variantMarker, v.sessionMarker, v.profileMarker, id].filter((m): m is string => !!m)]);
  }

  const origin = slowOrigin();
  const bindings = { VISITOR: slowedNamespace(env.VISITOR), STATE_BUDGET_MS: "5000" };
  const asks = visitors.flatMap((v) => [...PATHS, "/__p13n/me", "/__p13n/decide?path=/shared/0&slots=hero,memory"].map((path) => ({ v, path })));
  let responses = 0;
  let templateHits = 0;
  const leaks: string[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    // Everyone at once, in a different order each round.
    const order = asks.map((a) => ({ a, k: Math.random() })).sort((x, y) => x.k - y.k).map((x) => x.a);
    const answers = await Promise.all(
      order.map(async ({ v, path }) => {
        const headers: Record<string, string> = { ...BROWSER, cookie: v.cookie };
        if (path === "/__p13n/me") headers.accept = "application/json";
        if (!path.startsWith("/__p13n")) Object.assign(headers, NAVIGATION);
        return { v, path, got: await call(origin.fetch, path, { headers }, bindings) };
      }),
    );
    for (const { v, path, got } of answers) {
      responses++;
      leaks.push(...seen.check(v.name, got.res, got.body));
      expectOwn(v, path, got);
      if (/template;dur=[\d.]+;desc="hit"/.test(got.res.headers.get("server-timing") ?? "")) templateHits++;
    }
  }
  expect(leaks).toEqual([]);
  return { responses, templateHits };
}
