/**
 * The client script on strict-CSP pages (issue 12, item 13): the tag we add carries the nonce
 * of the page's own Content-Security-Policy (script-src-elem, else script-src, else
 * default-src), on the streaming path and from a template alike; no CSP, or a nonce we cannot
 * put safely in an attribute, gives the plain tag.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { invalidateManifest } from "../../src/content/manifest-store.ts";
import { call } from "../fixtures/call.ts";
import { manifest, publish } from "../fixtures/manifest.ts";
import { fixtureOrigin, html } from "../fixtures/origin.ts";
import { profileToken } from "../fixtures/tokens.ts";

const PAGE = '<!doctype html><html><head><script nonce="r4nd0m+/=">1</script></head><body><div data-p13n-slot="hero">Default</div></body></html>';
const timingOf = (res: Response) => /template;dur=[\d.]+;desc="(\w+)"/.exec(res.headers.get("server-timing") ?? "")?.[1];
const BROWSER = { "user-agent": "Mozilla/5.0 (X11; Linux x86_64)" };
/** The tag we added before </body>, and its nonce attribute (null when it has none). */
function ourTag(body: string): { tag: string; nonce: string | null } {
  const tag = /<script src="\/__p13n\/client\.js\?v=[0-9a-f]+"[^>]*><\/script><\/body>/.exec(body)?.[0];
  if (!tag) throw new Error(`no client script tag before </body> in ${body}`);
  return { tag, nonce: /\snonce="([^"]*)"/.exec(tag)?.[1] ?? null };
}

beforeAll(async () => {
  invalidateManifest(env.CONTENT);
  await publish(env.CONTENT, manifest({ hero: [{ id: "gold", html: "Gold", audience: { attr: "profile.tier", eq: "gold" } }] }));
});

const gold = async (sub: string) => ({ ...BROWSER, cookie: `p13n_profile=${await profileToken({ claims: { tier: "gold", sub } })}` });

describe("the client script tag on a page with a CSP", () => {
  const cases: Array<[string, string, string | null]> = [
    ["script-src nonce with strict-dynamic", "script-src 'nonce-r4nd0m+/=' 'strict-dynamic'; object-src 'none'", "r4nd0m+/="],
    ["default-src nonce", "default-src 'self' 'nonce-abc123'", "abc123"],
    ["script-src-elem before script-src", "script-src 'nonce-aaa'; script-src-elem 'nonce-bbb'", "bbb"],
    ["two policies naming the same nonce", "default-src 'nonce-same', script-src 'nonce-same' 'strict-dynamic'", "same"],
    ["script-src without a nonce ('self')", "script-src 'self'", null],
    ["a nonce that is not base64", `script-src 'nonce-a"onload=alert(1)'`, null],
  ];
  for (const [name, csp, nonce] of cases) {
    it(`${name}: ${nonce ? `nonce="${nonce}"` : "no nonce"}`, async () => {
      const origin = fixtureOrigin({ "/": () => html(PAGE, { "content-security-policy": csp }) });
      const { res, body } = await call(origin.fetch, "/", { headers: await gold(`u-${name}`) });
      expect(body).toContain('data-p13n-variant="gold">Gold</div>');
      expect(ourTag(body).nonce).toBe(nonce);
      expect(res.headers.get("content-security-policy")).toBe(csp);
    });
  }

  it("no CSP: the plain tag", async () => {
    const origin = fixtureOrigin({ "/": () => html(PAGE) });
    const { body } = await call(origin.fetch, "/", { headers: await gold("u-none") });
    expect(ourTag(body).nonce).toBeNull();
  });

  it("a report-only policy blocks nothing: the plain tag", async () => {
    const origin = fixtureOrigin({ "/": () => html(PAGE, { "content-security-policy-report-only": "script-src 'nonce-ro'" }) });
    const { body } = await call(origin.fetch, "/", { headers: await gold("u-ro") });
    expect(ourTag(body).nonce).toBeNull();
  });

  it("from a template too: the stored page's own CSP nonce", async () => {
    const csp = "script-src 'nonce-tmpl42' 'strict-dynamic'";
    const origin = fixtureOrigin({ "/cached": () => html(PAGE, { "content-security-policy": csp, "cache-control": "public, max-age=60" }) });
    const headers = await gold("u-tmpl");
    await call(origin.fetch, "/cached", { headers });
    await call(origin.fetch, "/cached", { headers });
    const { res, body } = await call(origin.fetch, "/cached", { headers });
    expect(timingOf(res)).toBe("hit");
    expect(ourTag(body).nonce).toBe("tmpl42");
  });
});
