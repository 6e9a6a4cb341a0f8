/**
 * Fragments that name what the visitor did, through the real Worker: a cart item's name sent by
 * the shop's beacon comes back in the hero, escaped in every place a placeholder may stand (text,
 * alt, title, value, placeholder, aria-label), the same on a streamed page, a page spliced from its
 * template, `/__p13n/decide` and an editor's preview; without consent (GPC, the site's consent
 * cookie, the profile's consent) only the defaults are written; the beacon bounds the cart's
 * fields; publishing refuses what may not be filled, and a version that bypassed publishing is
 * served as stored.
 */
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { invalidateManifest } from "../../src/content/manifest-store.ts";
import { escapeHtml } from "../../src/engine/placeholders.ts";
import type { Manifest } from "../../src/engine/types.ts";
import { PREVIEW_COOKIE } from "../../src/preview/link.ts";
import { signPreview } from "../../src/preview/token.ts";
import { admin } from "../fixtures/admin.ts";
import { call } from "../fixtures/call.ts";
import { manifest, publish } from "../fixtures/manifest.ts";
import { fixtureOrigin, html } from "../fixtures/origin.ts";
import { siteConsent } from "../fixtures/privacy.ts";
import { TEST_SECRETS } from "../fixtures/secrets.ts";
import { profileToken } from "../fixtures/tokens.ts";
import { beacon, eventId, NAVIGATION, newVisitor, visitorObject } from "../fixtures/visitor.ts";

const PAGE = '<!doctype html><html><body><section data-p13n-slot="hero"><h1>Default hero</h1></section></body></html>';
const origin = () =>
  fixtureOrigin({
    "/": () => html(PAGE, { "cache-control": "no-cache" }),
    // Shareable: spliced from its template (src/template/).
    "/shared": () => html(PAGE, { "cache-control": "public, max-age=600", etag: '"s1"' }),
    "/products/leggings": () => html(PAGE),
  });

/** Every context a placeholder may fill, once each. */
const TEMPLATE = [
  '<h1>Your {{cart.items.0.name | default: "picks"}} are waiting</h1>',
  '<img alt="{{cart.items.0.name}}" src="/i.png">',
  "<span title='{{cart.items.0.name | default: \"\"}}'>t</span>",
  '<input value="{{cart.items.0.name | default: &quot;&quot;}}" placeholder="{{cart.items.0.name}}">',
  '<button aria-label="Remove {{cart.items.0.name}}">x</button>',
  '<p>Hi {{profile.attrs.firstName | default: "there"}}</p>',
].join("");
const filled = (name: string, first: string) =>
  [
    `<h1>Your ${name || "picks"} are waiting</h1>`,
    `<img alt="${name}" src="/i.png">`,
    `<span title='${name}'>t</span>`,
    `<input value="${name}" placeholder="${name}">`,
    `<button aria-label="Remove ${name}">x</button>`,
    `<p>Hi ${first}</p>`,
  ].join("");
const ELEMENTS = ["h1", "img", "span", "input", "button", "p"];

/** A name that tries every way out of text and attribute values. */
const HOSTILE = `"'><script>alert(1)</script><img src=x onerror=alert(1)>&amp;{{x}}`;

function placeholderManifest(version: string, extra: Partial<Manifest> = {}): Manifest {
  return manifest({ hero: [{ id: "named", html: TEMPLATE }] }, { version, ...extra });
}

beforeEach(async () => {
  invalidateManifest(env.CONTENT);
  await publish(env.CONTENT, placeholderManifest(`ph-${crypto.randomUUID().slice(0, 8)}`));
});

/** The hero's inner HTML as a page delivered it, and the elements an HTML parser finds in it. */
async function hero(body: string): Promise<{ inner: string; elements: string[] }> {
  const m = /<section data-p13n-slot="hero"[^>]*>([\s\S]*?)<\/section>/.exec(body);
  const inner = m?.[1] ?? "";
  const elements: string[] = [];
  await new HTMLRewriter()
    .on("*", { element: (e) => void elements.push(e.tagName) })
    .transform(new Response(inner, { headers: { "content-type": "text/html" } }))
    .text();
  return { inner, elements };
}

/** A signed-in visitor whose cart holds one line named `name` (added through the beacon, as the shop's button does). */
async function shopperWithCart(name: string): Promise<{ cookie: string; sub: string }> {
  const sub = `ph-${crypto.randomUUID()}`;
  const cookie = `p13n_profile=${await profileToken({ claims: { sub, attrs: { firstName: "Sam <3" } } })}`;
  const sent = await beacon({ page: { path: "/products/leggings" }, events: [{ id: eventId(), type: "cart", action: "add", sku: "LEG-1", price: 88, name, category: "leggings" }] }, cookie);
  expect(sent.res.status).toBe(200);
  expect(JSON.parse(sent.body)).toMatchObject({ accepted: 1 });
  return { cookie, sub };
}

describe("escaping in every place a placeholder may stand", () => {
  it("on a streamed page: the hostile name is text wherever it goes, and the markup is the template's", async () => {
    const { cookie } = await shopperWithCart(HOSTILE);
    const { res, body } = await call(origin().fetch, "/", { headers: { ...NAVIGATION, cookie } });
    expect(res.status).toBe(200);
    const h = await hero(body);
    expect(h.inner).toBe(filled(escapeHtml(HOSTILE), "Sam &lt;3"));
    expect(h.elements).toEqual(ELEMENTS);
    expect(body).not.toContain("<script>alert(1)");
    expect(res.headers.get("cache-control")).toBe("private, no-store");
  });

  it("on a page spliced from its template: the same bytes, and the template never holds a visitor's words", async () => {
    const { cookie } = await shopperWithCart(HOSTILE);
    const o = origin();
    // The second request admits the URL and builds its template (from a request without cookies).
    await call(o.fetch, "/shared", { headers: NAVIGATION });
    await call(o.fetch, "/shared", { headers: NAVIGATION });
    const { res, body } = await call(o.fetch, "/shared", { headers: { ...NAVIGATION, cookie } });
    expect(res.headers.get("server-timing")).toMatch(/template;dur=[\d.]+;desc="hit"/);
    expect((await hero(body)).inner).toBe(filled(escapeHtml(HOSTILE), "Sam &lt;3"));
    // Another visitor, from the same template: their own (default) words, nothing of the first.
    const other = await call(o.fetch, "/shared", { headers: NAVIGATION });
    expect((await hero(other.body)).inner).toBe(filled("", "there"));
  });

  it("in a slot declared by selector: filled per visitor, streamed and spliced alike", async () => {
    // The origin's page has no data-p13n-slot: the manifest's selector names the element.
    const page = '<!doctype html><html><body><main><section class="hero"><h1>Default hero</h1></section></main></body></html>';
    const o = fixtureOrigin({
      "/sel": () => html(page, { "cache-control": "no-cache" }),
      "/sel-shared": () => html(page, { "cache-control": "public, max-age=600", etag: '"t1"' }),
    });
    const m = placeholderManifest(`ph-sel-${crypto.randomUUID().slice(0, 8)}`);
    (m.slots.hero as { selector?: string }).selector = "main > .hero";
    invalidateManifest(env.CONTENT);
    await publish(env.CONTENT, m);
    const { cookie } = await shopperWithCart(HOSTILE);
    const inner = (body: string) => /<section class="hero"[^>]*>([\s\S]*?)<\/section>/.exec(body)?.[1];
    const streamed = await call(o.fetch, "/sel", { headers: { ...NAVIGATION, cookie } });
    expect(inner(streamed.body)).toBe(filled(escapeHtml(HOSTILE), "Sam &lt;3"));
    await call(o.fetch, "/sel-shared", { headers: NAVIGATION });
    await call(o.fetch, "/sel-shared", { headers: NAVIGATION });
    const spliced = await call(o.fetch, "/sel-shared", { headers: { ...NAVIGATION, cookie } });
    expect(spliced.res.headers.get("server-timing")).toMatch(/template;dur=[\d.]+;desc="hit"/);
    expect(inner(spliced.body)).toBe(filled(escapeHtml(HOSTILE), "Sam &lt;3"));
    // Another visitor from the same template: the defaults, nothing of the first.
    expect(inner((await call(o.fetch, "/sel-shared", { headers: NAVIGATION })).body)).toBe(filled("", "there"));
  });

  it("in /__p13n/decide's JSON: the same filled HTML for an app or an email", async () => {
    const { cookie } = await shopperWithCart(HOSTILE);
    const { res, body } = await call(origin().fetch, "/__p13n/decide?path=/&slots=hero", { headers: { cookie } });
    expect(res.status).toBe(200);
    const answer = JSON.parse(body) as { decisions: Array<{ slot: string; variant: string; html: string }> };
    expect(answer.decisions[0]).toMatchObject({ slot: "hero", variant: "named", html: filled(escapeHtml(HOSTILE), "Sam &lt;3") });
  });

  it("in an editor's preview: the chosen profile's words, escaped; the memory's placeholders take their defaults (a preview reads no memory)", async () => {
    const spec = { profile: { attrs: { firstName: "<b>Ana</b>" } } };
    const token = (await signPreview(spec, TEST_SECRETS.ADMIN_TOKEN, { ttlS: 600 })).token;
    const { body } = await call(origin().fetch, "/", { headers: { cookie: `${PREVIEW_COOKIE}=${token}` } });
    expect((await hero(body)).inner).toBe(filled("", "&lt;b&gt;Ana&lt;/b&gt;"));
    // A forced variant is filled the same way.
    const forced = (await signPreview({ ...spec, variants: { hero: "named" } }, TEST_SECRETS.ADMIN_TOKEN, { ttlS: 600 })).token;
    const again = await call(origin().fetch, "/", { headers: { cookie: `${PREVIEW_COOKIE}=${forced}` } });
    expect(again.body).toContain("forced by the preview link");
    expect((await hero(again.body)).inner).toBe(filled("", "&lt;b&gt;Ana&lt;/b&gt;"));
  });
});

describe("consent: no behaviour and no profile in placeholders without it", () => {
  const NAME = "Aero High-Rise Leggings";

  it.each([
    ["with consent", {}, "", filled(NAME, "Sam &lt;3")],
    ["Sec-GPC: 1", { "sec-gpc": "1" }, "", filled("", "there")],
    ["the site's consent cookie refusing personalization", {}, `; ${siteConsent({ personalize: false, track: true })}`, filled("", "there")],
    ["the visitor's own opt-out (the site's cookie refusing everything)", {}, `; ${siteConsent({ personalize: false, track: false })}`, filled("", "there")],
  ])("%s", async (_name, headers: Record<string, string>, extraCookie, want) => {
    const { cookie } = await shopperWithCart(NAME);
    const { body } = await call(origin().fetch, "/", { headers: { ...NAVIGATION, ...headers, cookie: cookie + extraCookie } });
    expect((await hero(body)).inner).toBe(want);
    if (want !== filled(NAME, "Sam &lt;3")) expect(body).not.toContain("Aero");
  });

  it("the profile's own consent.personalize false", async () => {
    const sub = `ph-${crypto.randomUUID()}`;
    const cookie = `p13n_profile=${await profileToken({ claims: { sub, attrs: { firstName: "Sam" }, consent: { personalize: false, track: true } } })}`;
    await beacon({ page: { path: "/products/leggings" }, events: [{ id: eventId(), type: "cart", action: "add", sku: "LEG-1", name: NAME }] }, cookie);
    // The memory holds the line (tracking was allowed); the page does not use it.
    expect((await visitorObject(`sub:${sub}`).snapshot()).cart?.items[0]?.name).toBe(NAME);
    const { body } = await call(origin().fetch, "/", { headers: { ...NAVIGATION, cookie } });
    expect((await hero(body)).inner).toBe(filled("", "there"));
  });
});

describe("the cart's fields, bounded at the beacon", () => {
  const sendAdd = async (fields: Record<string, unknown>, path = "/products/leggings") => {
    const { cookie, id } = await newVisitor(origin());
    const { body } = await beacon({ page: { path }, events: [{ id: eventId(), type: "cart", action: "add", sku: "LEG-1", ...fields }] }, cookie);
    return { answer: JSON.parse(body) as { accepted?: number; results?: Array<{ status: string; message?: string }> }, id };
  };

  it.each([
    ["a name of 121 characters", { name: "x".repeat(121) }, /name: at most 120/],
    ["a name with a right-to-left override", { name: "Leggings\u202Egnp.exe" }, /name: no control or bidirectional-override/],
    ["a name with a control character", { name: "Leg\u0000gings" }, /name: no control/],
    ["an empty name", { name: "   " }, /name: empty/],
    ["a javascript: image", { image: "javascript:alert(1)" }, /image: an https/],
    ["a protocol-relative image (another host)", { image: "//evil.example/x.png" }, /image: an https/],
    ["a data: image", { image: "data:image/png;base64,AAAA" }, /image: an https/],
    ["an image URL with a space", { image: "/img/a b.png" }, /image: an https/],
    ["an image URL of 513 characters", { image: `/${"i".repeat(512)}` }, /image: at most 512/],
    ["a category of 65 characters", { category: "c".repeat(65) }, /category: at most 64/],
  ])("refuses %s (that event only)", async (_name, fields, why) => {
    const { answer } = await sendAdd(fields);
    expect(answer.results?.[0]?.status).toBe("refused");
    expect(answer.results?.[0]?.message).toMatch(why);
  });

  it("keeps good fields (the name trimmed), and takes the page's category when the event names none", async () => {
    const { answer, id } = await sendAdd({ name: "  Aero High-Rise Leggings ", image: "https://cdn.example/leg.png?w=200" });
    expect(answer.accepted).toBe(1);
    const s = await visitorObject(`vid:${id}`).snapshot();
    expect(s.cart?.items).toEqual([{ sku: "LEG-1", qty: 1, name: "Aero High-Rise Leggings", image: "https://cdn.example/leg.png?w=200" }]);
    // This manifest maps no pages: the category comes from the page the beacon names, when it says one.
    const withMeta = await (async () => {
      const { cookie, id: other } = await newVisitor(origin());
      await beacon({ page: { path: "/products/leggings", category: "leggings" }, events: [{ id: eventId(), type: "cart", action: "add", sku: "LEG-1", image: "/img/leg.svg" }] }, cookie);
      return (await visitorObject(`vid:${other}`).snapshot()).cart;
    })();
    expect(withMeta).toMatchObject({ categories: ["leggings"], items: [{ sku: "LEG-1", category: "leggings", image: "/img/leg.svg" }] });
  });
});

describe("publishing refuses what may not be filled", () => {
  it("answers 422 naming the fragment, the placeholder and its offset", async () => {
    const fragment = '<p>ok</p><a href="/p/{{cart.items.0.sku}}">x</a><p>{{cart.items.0.nmae | default: ""}}</p>';
    const bad = manifest({ hero: [{ id: "v", html: fragment }] }, { version: "ph-bad" });
    const { res, json } = await admin("POST", "/validate", { manifest: bad });
    expect(res.status).toBe(422);
    const issues = (json.error?.issues ?? []) as Array<{ path: unknown[]; message: string; placeholder?: string; offset?: number }>;
    expect(issues.map((i) => [i.path.join("."), i.placeholder, i.offset])).toEqual([
      ["manifest.slots.hero.variants.0.html", "{{cart.items.0.sku}}", fragment.indexOf("{{cart.items.0.sku")],
      ["manifest.slots.hero.variants.0.html", '{{cart.items.0.nmae | default: ""}}', fragment.indexOf("{{cart.items.0.nmae")],
    ]);
    expect(issues[0]!.message).toMatch(/in href/);
    expect(issues[1]!.message).toBe("unknown placeholder 'cart.items.0.nmae' (did you mean cart.items.0.name?)");
    expect((await admin("POST", "/publish", { manifest: bad })).res.status).toBe(422);
  });

  it("a version written to KV without publishing, with a placeholder in a URL, is served as stored: nothing filled", async () => {
    const { cookie } = await shopperWithCart("javascript:alert(1)");
    invalidateManifest(env.CONTENT);
    await publish(env.CONTENT, manifest({ hero: [{ id: "raw", html: '<a href="{{cart.items.0.name}}">Your cart</a>' }] }, { version: `ph-raw-${crypto.randomUUID().slice(0, 6)}` }));
    const { body } = await call(origin().fetch, "/", { headers: { ...NAVIGATION, cookie } });
    expect((await hero(body)).inner).toBe('<a href="{{cart.items.0.name}}">Your cart</a>');
  });
});
