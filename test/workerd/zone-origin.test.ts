/**
 * The zone's own origin: on a route, with ORIGIN_URL empty and no origin binding (the
 * production build has no demo shop), the Worker forwards each request to the host the
 * visitor asked for — the real outgoing fetch, caught by the pool's outboundService
 * (test/fixtures/zone-origin.ts). Misconfigurations get a page naming the fix, never a loop.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app.ts";

/** The Worker as production runs it: the real origin fetch, and no demo shop bound. */
async function production(url: string, vars: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  const app = createApp();
  const ctx = createExecutionContext();
  const res = await app.fetch(new Request(url, { headers: { "sec-gpc": "1", ...headers } }), { ...env, DEMO_ORIGIN: undefined, ORIGIN_URL: "", ...vars }, ctx);
  const body = await res.text();
  await waitOnExecutionContext(ctx);
  return { res, body };
}

describe("an empty ORIGIN_URL on a route", () => {
  it("forwards the request to its own host, path and query (the zone's origin)", async () => {
    const { res, body } = await production("https://www.zone-origin.test/products/shoes?colour=red");
    expect(res.status).toBe(200);
    expect(body).toContain("zone origin saw GET https://www.zone-origin.test/products/shoes?colour=red host=www.zone-origin.test");
    // Marked as ours, so a request that comes back around is recognised.
    expect(body).toContain("hop=1");
  });

  it("serves the bundled demo instead only where the dev environment binds it", async () => {
    const app = createApp();
    const ctx = createExecutionContext();
    const res = await app.fetch(new Request("https://www.zone-origin.test/"), { ...env, ORIGIN_URL: "" }, ctx);
    const body = await res.text();
    await waitOnExecutionContext(ctx);
    expect(env.DEMO_ORIGIN).toBeDefined();
    expect(body).toContain("Stride");
    expect(body).not.toContain("zone origin saw");
  });
});

describe("origin misconfigurations", () => {
  it("refuses an ORIGIN_URL that names the Worker's own host, naming the fix", async () => {
    const { res, body } = await production("https://www.zone-origin.test/", { ORIGIN_URL: "https://www.zone-origin.test" });
    expect(res.status).toBe(502);
    expect(res.headers.get("x-p13n-error")).toBe("ORIGIN_IS_SELF");
    expect(body).toContain("Leave ORIGIN_URL empty");
    expect(body).not.toContain("zone origin saw");
  });

  it("refuses a request that came back from its own origin (a loop) with 508", async () => {
    const { res, body } = await production("https://www.zone-origin.test/", {}, { "x-p13n-hop": "1" });
    expect(res.status).toBe(508);
    expect(res.headers.get("x-p13n-error")).toBe("ORIGIN_LOOP");
    expect(body).not.toContain("zone origin saw");
  });

  it("explains that a workers.dev address has no zone origin", async () => {
    const { res, body } = await production("https://p13n-edge.someone.workers.dev/");
    expect(res.status).toBe(502);
    expect(res.headers.get("x-p13n-error")).toBe("NO_ZONE_ORIGIN");
    expect(body).toContain("npx p13n init --route");
  });
});
