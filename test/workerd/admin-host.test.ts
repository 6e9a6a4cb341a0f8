/**
 * A console the site cannot be turned against. Cloudflare Access's cookie rides every request
 * to the host it was issued for, so on the site's own host a script injected into any page could
 * use it. With ADMIN_HOST the console and the admin API live on their own host: there the cookie
 * works; the site's host redirects its console there, takes header credentials only (the CLI, a
 * service token), and the console's host proxies nothing. Without ADMIN_HOST, writes on the
 * cookie alone are refused unless the site owner opts in (ADMIN_AMBIENT_WRITES = "allow").
 */
import { env } from "cloudflare:workers";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { invalidateManifest } from "../../src/content/manifest-store.ts";
import { clearKv } from "../fixtures/admin.ts";
import { call } from "../fixtures/call.ts";
import { accessAssertion, accessVars, ambientAccess, clearBucket } from "../fixtures/editors.ts";
import { fixtureOrigin, html } from "../fixtures/origin.ts";
import { TEST_SECRETS } from "../fixtures/secrets.ts";

const SITE = "https://shop.example";
const CONSOLE_HOST = "p13n-admin.shop.example";
const origin = fixtureOrigin({ "/": () => html("<p>the shop</p>"), "/secret": () => html("<p>origin page</p>") });
const manifest = { schema: 1, version: "host-1", publishedAt: "2026-11-23T12:00:00Z", slots: { hero: { variants: [{ id: "a", html: "<b>A</b>" }] } } };
const publishBody = JSON.stringify({ manifest });

let withHost: Record<string, string>;
let sameHost: Record<string, string>;

beforeAll(async () => {
  sameHost = { ...(await accessVars()) };
  withHost = { ...sameHost, ADMIN_HOST: CONSOLE_HOST, SITE_URL: SITE };
});

beforeEach(async () => {
  await clearKv(env.CONTENT);
  await clearBucket(env.EDITOR_FILES);
  invalidateManifest(env.CONTENT);
  origin.seen.length = 0;
});

const json = { "content-type": "application/json", "sec-fetch-site": "same-origin" };

describe("with ADMIN_HOST", () => {
  it("the console's host serves the console and takes the Access cookie for writes", async () => {
    const page = await call(origin.fetch, `https://${CONSOLE_HOST}/__p13n/console`, {}, withHost);
    expect(page.res.status).toBe(200);
    expect(page.body).toContain("p13n console");
    const publish = await call(origin.fetch, `https://${CONSOLE_HOST}/__p13n/admin/publish`, { method: "POST", headers: { ...json, ...(await ambientAccess("lead@stride.example")) }, body: publishBody }, withHost);
    expect(publish.res.status).toBe(201);
  });

  it("the console's host opens the console at / and proxies nothing to the origin", async () => {
    const root = await call(origin.fetch, `https://${CONSOLE_HOST}/`, {}, withHost);
    expect(root.res.status).toBe(302);
    expect(root.res.headers.get("location")).toBe("/__p13n/console");
    const other = await call(origin.fetch, `https://${CONSOLE_HOST}/secret`, {}, withHost);
    expect(other.res.status).toBe(404);
    expect(origin.seen).toEqual([]);
  });

  it("the site's host redirects its console to the console's host", async () => {
    const r = await call(origin.fetch, `${SITE}/__p13n/console`, {}, withHost);
    expect(r.res.status).toBe(308);
    expect(r.res.headers.get("location")).toBe(`https://${CONSOLE_HOST}/__p13n/console`);
  });

  it("on the site's host, a request on the Access cookie alone is refused, reads too: an injected script gets nothing", async () => {
    const cookie = await ambientAccess("lead@stride.example");
    const write = await call(origin.fetch, `${SITE}/__p13n/admin/publish`, { method: "POST", headers: { ...json, ...cookie }, body: publishBody }, withHost);
    expect(write.res.status).toBe(403);
    expect(JSON.parse(write.body).error.code).toBe("ADMIN_HOST_ONLY");
    expect(JSON.parse(write.body).error.message).toContain(`https://${CONSOLE_HOST}/__p13n/console`);
    expect(await env.CONTENT.get("manifest/current")).toBeNull();
    const read = await call(origin.fetch, `${SITE}/__p13n/admin/audit`, { headers: { "sec-fetch-site": "same-origin", ...cookie } }, withHost);
    expect(read.res.status).toBe(403);
  });

  it("on the site's host, a header credential still works (the CLI's token, an Access service token)", async () => {
    const bearer = await call(origin.fetch, `${SITE}/__p13n/admin/publish`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${TEST_SECRETS.ADMIN_TOKEN}` }, body: publishBody }, withHost);
    expect(bearer.res.status).toBe(201);
    const service = { "cf-access-client-id": "id.access", "cf-access-jwt-assertion": await accessAssertion("ci@stride.example") };
    const read = await call(origin.fetch, `${SITE}/__p13n/admin/versions`, { headers: service }, withHost);
    expect(read.res.status).toBe(200);
  });

  it("preview links point at the site, not at the console's host", async () => {
    await call(origin.fetch, `https://${CONSOLE_HOST}/__p13n/admin/publish`, { method: "POST", headers: { ...json, ...(await ambientAccess("lead@stride.example")) }, body: publishBody }, withHost);
    const r = await call(origin.fetch, `https://${CONSOLE_HOST}/__p13n/admin/preview-link`, { method: "POST", headers: { ...json, ...(await ambientAccess("lead@stride.example")) }, body: JSON.stringify({ profile: { tier: "gold" } }) }, withHost);
    expect(new URL(JSON.parse(r.body).url).origin).toBe(SITE);
  });

  it("ADMIN_HOST without SITE_URL refuses the config, naming the fix", async () => {
    const r = await call(origin.fetch, `https://${CONSOLE_HOST}/__p13n/admin/versions`, { headers: { authorization: `Bearer ${TEST_SECRETS.ADMIN_TOKEN}` } }, { ADMIN_HOST: CONSOLE_HOST });
    expect(r.res.status).toBe(500);
    expect(JSON.parse(r.body).error.message).toContain("ADMIN_HOST needs SITE_URL");
  });
});

describe("without ADMIN_HOST (the console on the site's own host)", () => {
  it("a write on the Access cookie alone is refused, naming the three ways out; a read is answered", async () => {
    const cookie = await ambientAccess("lead@stride.example");
    const write = await call(origin.fetch, `${SITE}/__p13n/admin/publish`, { method: "POST", headers: { ...json, ...cookie }, body: publishBody }, sameHost);
    expect(write.res.status).toBe(403);
    const error = JSON.parse(write.body).error;
    expect(error.code).toBe("AMBIENT_CREDENTIAL");
    expect(error.message).toContain("ADMIN_HOST");
    expect(error.message).toContain('ADMIN_AMBIENT_WRITES = "allow"');
    expect(await env.CONTENT.get("manifest/current")).toBeNull();
    const read = await call(origin.fetch, `${SITE}/__p13n/admin/versions`, { headers: { "sec-fetch-site": "same-origin", ...cookie } }, sameHost);
    expect(read.res.status).toBe(200);
  });

  it("the assertion without the cookie, or with a credential of the client's own, is not ambient", async () => {
    const jwt = await accessAssertion("lead@stride.example");
    const token = await call(origin.fetch, `${SITE}/__p13n/admin/publish`, { method: "POST", headers: { ...json, cookie: `CF_Authorization=${jwt}`, "cf-access-jwt-assertion": jwt, "cf-access-token": jwt }, body: publishBody }, sameHost);
    expect(token.res.status).toBe(201);
  });

  it("the site owner may opt in: ADMIN_AMBIENT_WRITES = allow", async () => {
    const r = await call(origin.fetch, `${SITE}/__p13n/admin/publish`, { method: "POST", headers: { ...json, ...(await ambientAccess("lead@stride.example")) }, body: publishBody }, { ...sameHost, ADMIN_AMBIENT_WRITES: "allow" });
    expect(r.res.status).toBe(201);
  });

  it("another site's page is refused before any credential is looked at", async () => {
    const r = await call(origin.fetch, `${SITE}/__p13n/admin/publish`, { method: "POST", headers: { "content-type": "application/json", "sec-fetch-site": "cross-site", ...(await ambientAccess("lead@stride.example")) }, body: publishBody }, { ...sameHost, ADMIN_AMBIENT_WRITES: "allow" });
    expect(r.res.status).toBe(403);
    expect(JSON.parse(r.body).error.code).toBe("CROSS_SITE");
  });
});
