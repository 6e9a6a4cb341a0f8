/**
 * No redirect off the site (issue 12, item 2): the preview redirect keeps the host whatever the
 * path (`//evil.example/?__p13n_preview=x` used to answer `Location: //evil.example/`), and an
 * origin's redirect for an odd path is kept on the public host.
 */
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { invalidateManifest } from "../../src/content/manifest-store.ts";
import { PREVIEW_COOKIE } from "../../src/preview/link.ts";
import { signPreview } from "../../src/preview/token.ts";
import { call } from "../fixtures/call.ts";
import { manifest, publish } from "../fixtures/manifest.ts";
import { fixtureOrigin, html } from "../fixtures/origin.ts";
import { TEST_SECRETS } from "../fixtures/secrets.ts";

const SITE = "https://shop.example";

beforeEach(async () => {
  invalidateManifest(env.CONTENT);
  await publish(env.CONTENT, manifest({ hero: [{ id: "all", html: "Personal" }] }));
});

/** Where a browser goes with this Location, from this page. */
const followed = (location: string, from: string) => new URL(location, from);

describe("the preview redirect stays on the site", () => {
  const paths = ["//evil.example/", "///evil.example/", "/\\evil.example/", "/\\/evil.example/", "//evil.example:8080/a?b=1", "//user:pw@evil.example/", "/%2F%2Fevil.example/"];
  for (const path of paths) {
    for (const token of ["x", "off", "valid"]) {
      it(`GET ${path} with ?__p13n_preview=${token}: a 302 to a path on this host`, async () => {
        const value = token === "valid" ? (await signPreview({}, TEST_SECRETS.ADMIN_TOKEN, { ttlS: 600 })).token : token;
        const sep = path.includes("?") ? "&" : "?";
        const from = `${SITE}${path}${sep}__p13n_preview=${value}`;
        const origin = fixtureOrigin({});
        const { res } = await call(origin.fetch, from, { redirect: "manual" });
        expect(res.status).toBe(302);
        const location = res.headers.get("location")!;
        expect(location).toMatch(/^\/[^/\\]/);
        expect(followed(location, from).host).toBe("shop.example");
        expect(location).not.toContain(PREVIEW_COOKIE);
        expect(origin.seen).toHaveLength(0);
      });
    }
  }

  it("keeps the rest of the URL: //evil.example/x?a=1 → /evil.example/x?a=1", async () => {
    const { res } = await call(fixtureOrigin({}).fetch, `${SITE}//evil.example/x?a=1&__p13n_preview=x`, { redirect: "manual" });
    expect(res.headers.get("location")).toBe("/evil.example/x?a=1");
  });
});

describe("an origin's redirect stays on the public host", () => {
  const bindings = { ORIGIN_URL: "https://origin.internal" };
  const redirect = (location: string) => () => new Response(null, { status: 301, headers: { location } });

  it("the origin's absolute Location on its own host, for a path beginning //, points at the public host", async () => {
    const origin = fixtureOrigin({ "//evil.example/x": redirect("https://origin.internal//evil.example/x/") });
    const { res } = await call(origin.fetch, `${SITE}//evil.example/x`, { redirect: "manual" }, bindings);
    expect(res.status).toBe(301);
    expect(res.headers.get("location")).toBe("https://shop.example//evil.example/x/");
    expect(followed(res.headers.get("location")!, SITE).host).toBe("shop.example");
  });

  it("a scheme-relative Location echoing a // path (a trailing-slash redirect) is kept on the site", async () => {
    for (const [path, location] of [
      ["//evil.example", "//evil.example/"],
      ["//evil.example", "/\\evil.example/"],
      ["/\\evil.example", "\\\\evil.example/"],
    ] as const) {
      const origin = fixtureOrigin({ [new URL(`${SITE}${path}`).pathname]: redirect(location) });
      const from = `${SITE}${path}`;
      const { res } = await call(origin.fetch, from, { redirect: "manual" }, bindings);
      expect(res.status).toBe(301);
      const sent = res.headers.get("location")!;
      expect(sent).toBe("/evil.example/");
      expect(followed(sent, from).host).toBe("shop.example");
    }
  });

  it("the origin's own deliberate redirects are left as they are (another site, relative, its own host)", async () => {
    const origin = fixtureOrigin({
      "/login": redirect("https://sso.example/login?back=1"),
      "/rel": redirect("/account"),
      "/own": redirect("//origin.internal/home"),
    });
    expect((await call(origin.fetch, "/login", { redirect: "manual" }, bindings)).res.headers.get("location")).toBe("https://sso.example/login?back=1");
    expect((await call(origin.fetch, "/rel", { redirect: "manual" }, bindings)).res.headers.get("location")).toBe("/account");
    expect((await call(origin.fetch, "/own", { redirect: "manual" }, bindings)).res.headers.get("location")).toBe("https://shop.example/home");
  });
});
