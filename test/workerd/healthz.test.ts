/**
 * /__p13n/healthz (issue 12, item 3): liveness and the content version for anyone, nothing
 * about the origin or the configuration (its address would let anyone go around the edge);
 * the detailed view only with the admin credential, checked as the admin API checks it.
 */
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { invalidateManifest } from "../../src/content/manifest-store.ts";
import { call } from "../fixtures/call.ts";
import { manifest, publish } from "../fixtures/manifest.ts";
import { fixtureOrigin } from "../fixtures/origin.ts";
import { TEST_SECRETS } from "../fixtures/secrets.ts";

const bindings = { ORIGIN_URL: "https://origin-secret.internal:8443" };
const health = (headers: Record<string, string> = {}) => call(fixtureOrigin({}).fetch, "/__p13n/healthz", { headers }, bindings);

beforeEach(async () => {
  invalidateManifest(env.CONTENT);
  await publish(env.CONTENT, manifest({ hero: [{ id: "all", html: "x" }] }, { version: "health-v7" }));
});

describe("/__p13n/healthz", () => {
  it("tells anyone it is alive and the content version, and nothing else", async () => {
    const { res, body } = await health();
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const json = JSON.parse(body) as Record<string, unknown>;
    expect(Object.keys(json).sort()).toEqual(["contentVersion", "ok"]);
    expect(json).toEqual({ ok: true, contentVersion: "health-v7" });
    expect(body).not.toContain("origin-secret");
  });

  it("gives the detailed view (origin, manifest source, templates) to an editor's token", async () => {
    const { res, body } = await health({ authorization: `Bearer ${TEST_SECRETS.ADMIN_TOKEN}` });
    expect(res.status).toBe(200);
    const json = JSON.parse(body) as { origin: string; contentVersion: string; manifest: string; templates: { maxBytes: number } };
    expect(json.contentVersion).toBe("health-v7");
    expect(json.origin).toBe("https://origin-secret.internal:8443");
    expect(json.manifest).toMatch(/hit|miss|stale/);
    expect(json.templates.maxBytes).toBeGreaterThan(0);
  });

  it("refuses a wrong token with 401 instead of a silent public view, and says nothing about the origin", async () => {
    const { res, body } = await health({ authorization: "Bearer not-the-token-0123456789abcdef" });
    expect(res.status).toBe(401);
    expect(body).not.toContain("origin-secret");
  });
});
