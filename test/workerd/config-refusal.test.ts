/**
 * A profile key without PROFILE_ISSUER and PROFILE_AUDIENCE is refused (issue 12, item 9):
 * such a worker would take any token the site signs with that key for a profile. What
 * "refusing to start" means for a Worker in front of a live site: every page passes through
 * untouched, the error is logged once, /__p13n/healthz answers 503 with the code, and the
 * admin API tells an editor the fix (500 with the message).
 */
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { invalidateManifest } from "../../src/content/manifest-store.ts";
import { admin } from "../fixtures/admin.ts";
import { call } from "../fixtures/call.ts";
import { manifest, publish } from "../fixtures/manifest.ts";
import { fixtureOrigin, html } from "../fixtures/origin.ts";
import { profileToken } from "../fixtures/tokens.ts";

const PAGE = "<html><body><div data-p13n-slot='hero'>Default hero</div><p>rest</p></body></html>";
const origin = fixtureOrigin({ "/": () => html(PAGE, { "cache-control": "max-age=60", etag: '"v1"' }) });

beforeEach(async () => {
  invalidateManifest(env.CONTENT);
  await publish(env.CONTENT, manifest({ hero: [{ id: "bold", html: "<b>Bold hero</b>" }] }));
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe("a profile key without issuer and audience", () => {
  const cases: Array<[string, Record<string, string>, RegExp]> = [
    ["both missing (HS256 secret)", { PROFILE_ISSUER: "", PROFILE_AUDIENCE: "" }, /PROFILE_ISSUER and PROFILE_AUDIENCE are required when a profile key is configured \(PROFILE_SECRET\)/],
    ["the audience missing", { PROFILE_AUDIENCE: "" }, /PROFILE_AUDIENCE is required when a profile key is configured/],
    ["the issuer missing (inline JWKS)", { PROFILE_ISSUER: "", PROFILE_SECRET: "", PROFILE_JWKS: '{"keys":[]}' }, /PROFILE_ISSUER is required when a profile key is configured \(PROFILE_JWKS\)/],
  ];

  for (const [label, vars, message] of cases) {
    it(`${label}: pages untouched, healthz 503, admin 500 naming the fix, one logged error`, async () => {
      const logged = vi.spyOn(console, "error").mockImplementation(() => {});
      const cookie = `p13n_profile=${await profileToken({ claims: { tier: "gold" } })}`;
      for (let i = 0; i < 5; i++) {
        const { res, body } = await call(origin.fetch, "/", { headers: { cookie } }, vars);
        expect(res.status).toBe(200);
        expect(body).toBe(PAGE);
        expect(res.headers.get("etag")).toBe('"v1"');
        expect(res.headers.get("server-timing")).toBeNull();
        expect(res.headers.get("set-cookie")).toBeNull();
      }

      const health = await call(origin.fetch, "/__p13n/healthz", {}, vars);
      expect(health.res.status).toBe(503);
      const h = JSON.parse(health.body) as { ok: boolean; error: { code: string; message?: string } };
      expect(h).toEqual({ ok: false, error: { code: "CONFIG_INVALID" } });

      const { res, json } = await admin("GET", "/versions", undefined, { bindings: vars });
      expect(res.status).toBe(500);
      expect(json.error?.code).toBe("CONFIG_INVALID");
      expect(json.error?.message).toMatch(message);
      expect(json.error?.message).toMatch(/wrangler\.toml \[vars\]/);
      // Not to anyone else: without the credential, the usual 401.
      expect((await admin("GET", "/versions", undefined, { bindings: vars, headers: { authorization: "" } })).res.status).toBe(401);

      const configLogs = logged.mock.calls.filter((args) => String(args[0]).includes("CONFIG_INVALID"));
      expect(configLogs).toHaveLength(1);
      expect(String(configLogs[0]![0])).toMatch(message);
    });
  }

  it("without any profile key, neither is needed (nothing to verify)", async () => {
    const vars = { PROFILE_ISSUER: "", PROFILE_AUDIENCE: "", PROFILE_SECRET: "" };
    const { res, body } = await call(origin.fetch, "/", {}, vars);
    expect(res.status).toBe(200);
    expect(body).toContain("Bold hero");
    expect((await call(origin.fetch, "/__p13n/healthz", {}, vars)).res.status).toBe(200);
  });
});
