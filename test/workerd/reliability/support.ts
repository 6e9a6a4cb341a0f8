/**
 * What the reliability rows share: the suite's content (published before every row), the page
 * an origin sends, a few ways to ask the Worker, and the assertions most rows end with.
 * Everything goes through the public entry point (test/fixtures/call.ts: the real app, a fake
 * origin, the real bindings).
 */
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { invalidateManifest } from "../../../src/content/manifest-store.ts";
import type { Manifest } from "../../../src/engine/types.ts";
import { invalidateAllocation } from "../../../src/results-store/allocation-store.ts";
import { clearKv } from "../../fixtures/admin.ts";
import { call, type Called } from "../../fixtures/call.ts";
import { manifest, publish } from "../../fixtures/manifest.ts";
import { fixtureOrigin, html, type FixtureOrigin } from "../../fixtures/origin.ts";
import { profileToken } from "../../fixtures/tokens.ts";

export const PAGE = `<!doctype html><html><head><title>Shop</title></head><body>
<header>Stride</header>
<section data-p13n-slot="hero"><h1>Default hero</h1></section>
<aside data-p13n-slot="promo">Default promo</aside>
<footer>Stride, since 2026</footer>
</body></html>`;

/** The suite's content: a hero for gold members, a promotion for everyone (so any rewritten page shows it). */
export function standardManifest(): Manifest {
  return manifest(
    {
      hero: [{ id: "gold", html: "<h1>Gold hero</h1>", audience: { attr: "profile.tier", eq: "gold" } }],
      promo: [{ id: "all", html: "<b>Promo for all</b>" }],
    },
    { version: "reliability-standard" },
  );
}

export const GOLD_HERO = "Gold hero";
export const PROMO = "Promo for all";

/** Puts the suite's content back (rows that publish their own leave it changed). */
export async function resetContent(m: Manifest = standardManifest()): Promise<void> {
  await clearKv(env.CONTENT);
  invalidateManifest(env.CONTENT);
  invalidateAllocation(env.CONTENT);
  await publish(env.CONTENT, m);
}

/** An origin serving PAGE at `/` (and anything else given). */
export function shop(routes: Parameters<typeof fixtureOrigin>[0] = {}): FixtureOrigin {
  return fixtureOrigin({ "/": () => html(PAGE), ...routes });
}

/** A signed-in gold member's profile cookie. */
export async function goldCookie(sub = `gold-${crypto.randomUUID()}`): Promise<string> {
  return `p13n_profile=${await profileToken({ claims: { sub, tier: "gold", stage: "new" } })}`;
}

/** A browser's ordinary page request (no GPC, a desktop user agent). */
export const BROWSER = { "user-agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0" } as const;

/** The page of a visitor whose profile cookie is `value` (p13n_profile=value). */
export function withProfile(origin: FixtureOrigin, value: string, bindings: Record<string, unknown> = {}): Promise<Called> {
  return call(origin.fetch, "/", { headers: { ...BROWSER, cookie: `p13n_profile=${value}` } }, bindings);
}

/** An anonymous visitor's page, the request still served (200) with nothing of the profile. */
export function expectAnonymousPage(got: Called, reason?: string): void {
  expect(got.res.status).toBe(200);
  expect(got.body).not.toContain(GOLD_HERO);
  expect(got.body).toContain("Default hero");
  if (reason) expect(got.res.headers.get("server-timing") ?? "").toContain(reason);
}

/** `make`'s response as the origin would send it and as the visitor got it: byte for byte, same status and type, not marked private. */
export async function expectUntouched(make: () => Response, init: RequestInit = {}, bindings: Record<string, unknown> = {}): Promise<Called> {
  const sent = make();
  const sentBytes = new Uint8Array(init.method === "HEAD" ? new ArrayBuffer(0) : await sent.arrayBuffer());
  const got = await call(fixtureOrigin({ "/": () => make() }).fetch, "/", { ...init, headers: { ...BROWSER, ...(init.headers as Record<string, string> | undefined) } }, bindings);
  expect(got.res.status).toBe(sent.status);
  expect(got.res.headers.get("content-type")).toBe(sent.headers.get("content-type"));
  expect(got.res.headers.get("cache-control")).not.toBe("private, no-store");
  expect(sameBytes(got.bytes, sentBytes), "bytes changed").toBe(true);
  return got;
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Parsed JSON error of an answer. */
export function errorOf(got: Called): { code: string; message: string } {
  return (JSON.parse(got.body) as { error: { code: string; message: string } }).error;
}

/** A unique path per row: the isolate's page templates are shared by every row. */
export function uniquePath(prefix: string): string {
  return `/${prefix}-${crypto.randomUUID().slice(0, 8)}`;
}
