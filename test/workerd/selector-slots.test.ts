/**
 * Slots declared by selector (`selector:` in slot.yaml, the manifest slot's `selector`), through
 * the real Worker: the first element a selector matches is the slot, exactly as if it carried
 * `data-p13n-slot` — and it does carry it, filled or not (the client script measures only such
 * elements): bytes outside its start tag and content untouched on every real page,
 * optional-end-tag and void elements keep their content, a selector that matches nothing leaves
 * the page as it came, markup slots win over a selector of the same id, an element that is a
 * slot is never another selector's match, and a page spliced from its template equals the stream
 * (also after the selectors change under a template). Publishing checks each selector against what
 * HTMLRewriter can match, and this file holds that check against lol-html itself.
 */
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { invalidateManifest } from "../../src/content/manifest-store.ts";
import type { Manifest } from "../../src/engine/types.ts";
import { checkSelector } from "../../src/match/slot-selector.ts";
import { slotSelectorsOf } from "../../src/rewrite/slot-selectors.ts";
import { templateStore } from "../../src/template/store.ts";
import { admin, clearKv } from "../fixtures/admin.ts";
import { call } from "../fixtures/call.ts";
import { REAL_PAGES } from "../fixtures/corpus.ts";
import { manifest, publish } from "../fixtures/manifest.ts";
import { fixtureOrigin, html } from "../fixtures/origin.ts";

const MARK = "<!--p13n-variant-->VARIANT";
/** Anonymous, no visitor cookie issued (GPC): responses stay comparable. */
const ANON = { "sec-gpc": "1" };
const PUBLIC = { "cache-control": "public, max-age=60" };
const timingOf = (res: Response) => /template;dur=[\d.]+;desc="(\w+)"/.exec(res.headers.get("server-timing") ?? "")?.[1];

/** A manifest whose slots are declared by selector (id → selector), each with one variant for everyone. */
function bySelector(selectors: Record<string, string>, version = "sel-1", markup: string[] = []): Manifest {
  const m = manifest(
    Object.fromEntries([...Object.keys(selectors), ...markup].map((id) => [id, [{ id: `${id}-v`, html: id === "probe" ? MARK : `<i>${id} variant</i>` }]])),
    { version },
  );
  for (const [id, selector] of Object.entries(selectors)) (m.slots[id] as { selector?: string }).selector = selector;
  return m;
}

async function live(m: Manifest): Promise<void> {
  invalidateManifest(env.CONTENT);
  await publish(env.CONTENT, m);
}

const page = (body: string) => `<!doctype html><html><head><title>t</title></head><body>${body}</body></html>`;
const through = async (body: string, path = "/") => (await call(async () => html(body), path, { headers: ANON })).body;

describe("the selector check agrees with lol-html", () => {
  // Every form publishing accepts, HTMLRewriter installs.
  const ACCEPTED = [
    "*", "div", "DIV", "#footer", ".promo", "div.a.b#c", "[data-role]", '[data-role="hero"]', "[data-role=hero]", '[lang="EN" i]', '[lang="en" s]',
    "[class~=x]", "[lang|=en]", '[href^="https://"]', "[src$='.png']", "[title*=sale]", "[ data-x ]", '[x = "y"]', "main section", "main > section",
    "main>section", "a, b", "h1,h2", "ul > li:first-child", "li:first-of-type", "div:nth-child(2n+1)", "div:nth-child( 2n + 1 )", "div:nth-child(odd)",
    "li:nth-of-type(3)", "li:nth-of-type(-n+3)", "div:nth-child(n)", "div:NTH-CHILD(2)", "div:not(.a)", "div:not(.a, #b)", "div:not(.a.b)", ":not(div)",
    "a:not(b):not(c)", "div:not(:first-child)", "div:not(:nth-child(2))", "div:not(:not(.a))", "#\\31 23", ".a\\:b", ".-a", ".--a", "._a", ".é",
    "[data-x='a\\'b']", "footer > div.promo:nth-child(2) a[href]", "body > div:nth-of-type(3) > section",
  ];
  // Every form lol-html refuses, publishing refuses first; and a few it would take that we keep out.
  const REFUSED: Array<[string, RegExp]> = [
    ["a + b", /'\+' \(next sibling\)/], ["a ~ b", /'~' \(later sibling\)/], ["li:last-child", /while the page streams/], ["div:nth-last-child(1)", /while the page streams/],
    ["div:last-of-type", /while the page streams/], ["div:only-child", /while the page streams/], ["div:empty", /while the page streams/], ["div:has(a)", /while the page streams/],
    ["div:root", /not supported/], ["div:hover", /not supported/], ["div:is(.a)", /not supported/], ["div:lang(en)", /not supported/], ["div::before", /pseudo-elements/],
    ["div:first-line", /not supported/], ["ns|div", /namespaces/], ["*|div", /namespaces/], ["[*|x]", /namespaces/], ["div:not(a b)", /:not\(\) takes simple selectors/],
    ["div:nth-child(2 of .a)", /an\+b/], ["div:nth-child()", /an\+b/], ["div:not()", /missing|unexpected/], ["div.", /missing at the end/], ["", /empty/], [" ", /empty/],
    ["div >", /no selector after it/], ["> div", /unexpected '>'/], ["a >> b", /no selector after it/], ["[x=]", /needs a value/], ['[x="y" z]', /not closed/],
    ['[x="a\nb"]', /line break/], [".1a", /cannot start with a digit/], ["#1a", /cannot start with a digit/], ["a,", /no selector after it/], ["(a)", /unexpected/],
    ["[data-p13n-slot]", /Worker's own attribute/], ['div[data-p13n-slot="hero"]', /Worker's own attribute/], ["[DATA-P13N-VARIANT]", /Worker's own attribute/],
    [`div${" span".repeat(120)}`, /at most 512/],
  ];
  const installs = (s: string) => {
    try {
      new HTMLRewriter().on(s, { element() {} });
      return true;
    } catch {
      return false;
    }
  };

  it.each(ACCEPTED)("accepts %s, and HTMLRewriter installs it", (s) => {
    expect(checkSelector(s)).toBeUndefined();
    expect(installs(s)).toBe(true);
  });

  it.each(REFUSED)("refuses %j, saying why", (s, why) => {
    expect(checkSelector(s)).toMatch(why);
  });

  it("refuses every refused form HTMLRewriter cannot install (none slips through to a page)", () => {
    const notInstallable = REFUSED.map(([s]) => s).filter((s) => !installs(s));
    expect(notInstallable.length).toBeGreaterThan(25);
    for (const s of notInstallable) expect(checkSelector(s), s).toBeDefined();
  });
});

describe("bytes outside the slot: every real page", () => {
  /** A real element whose end tag HTML requires (as test/workerd/byte-identity.test.ts). */
  const CANDIDATE = /<(div|section|article|h1|h2|span|ul|table)(\s[^<>]*)?>/i;
  beforeEach(() => live(bySelector({ probe: '[data-probe="here"]' })));

  for (const [name, original] of REAL_PAGES) {
    it(`${name}: only the selected element's content changes`, async () => {
      const bodyAt = original.search(/<body[\s>]/i);
      const from = bodyAt < 0 ? 0 : bodyAt;
      const m = CANDIDATE.exec(original.slice(from));
      expect(m, "page has an element to select").not.toBeNull();
      const at = from + m!.index;
      const tagName = m![1]!;
      const insertAt = at + 1 + tagName.length;
      // The origin's page carries an attribute the selector names: a site owner changes nothing else.
      const input = `${original.slice(0, insertAt)} data-probe="here"${original.slice(insertAt)}`;
      const out = await through(input);
      const prefix = input.slice(0, at);
      expect(out.startsWith(prefix)).toBe(true);
      const markAt = out.indexOf(MARK, prefix.length);
      expect(markAt).toBeGreaterThan(prefix.length);
      // The start tag is the origin's, tagged as a markup slot's would be: it names its slot, then the variant.
      expect(out.slice(at, markAt)).toMatch(/ data-p13n-slot="probe" data-p13n-variant="probe-v">$/);
      const tail = out.slice(markAt + MARK.length);
      expect(tail.toLowerCase().startsWith(`</${tagName.toLowerCase()}`)).toBe(true);
      expect(input.endsWith(tail)).toBe(true);
    });
  }
});

describe("which element is the slot", () => {
  it("is the first element the selector matches, and only that one", async () => {
    await live(bySelector({ promo: "aside.promo" }));
    const out = await through(page('<aside class="promo">one</aside><aside class="promo">two</aside>'));
    expect(out).toContain('<aside class="promo" data-p13n-slot="promo" data-p13n-variant="promo-v"><i>promo variant</i></aside><aside class="promo">two</aside>');
  });

  it("leaves the page byte for byte as it came when the selector matches nothing", async () => {
    await live(bySelector({ promo: "#no-such-element" }));
    const input = page('<aside class="promo">one</aside>');
    expect(await through(input)).toBe(input);
  });

  it.each([
    ["p", '<p class="x">default</p><div>next</div>'],
    ["li", '<ul><li class="x">default<li>next</ul>'],
    ["td", '<table><tr><td class="x">default<td>next</tr></table>'],
    ["option", '<select><option class="x">default<option>next</select>'],
  ])("keeps the content of a slot on an element whose end tag may be omitted (%s); only its start tag names the slot", async (_tag, body) => {
    await live(bySelector({ promo: ".x" }));
    const input = page(body);
    expect(await through(input)).toBe(input.replace('class="x"', 'class="x" data-p13n-slot="promo"'));
  });

  it("keeps a void element as it is but for the slot's name, and its selector does not move on to the next match", async () => {
    await live(bySelector({ promo: ".x" }));
    const input = page('<img class="x" src="a.png"><div class="x">not the slot</div>');
    expect(await through(input)).toBe(page('<img class="x" src="a.png" data-p13n-slot="promo"><div class="x">not the slot</div>'));
  });

  it("names the slot on its element when it keeps its default (no variant for this visitor), streamed and spliced", async () => {
    const m = bySelector({ promo: "#promo" }, "sel-default", ["hero"]);
    m.slots.promo!.variants = [];
    await live(m);
    const origin = fixtureOrigin({ "/kept": () => html(page('<div data-p13n-slot="hero">h</div><aside id="promo">Default promo</aside>'), PUBLIC) });
    const bodies: string[] = [];
    for (let i = 0; i < 3; i++) bodies.push((await call(origin.fetch, "/kept", { headers: ANON })).body);
    expect(bodies[0]).toContain('<aside id="promo" data-p13n-slot="promo">Default promo</aside>');
    expect(new Set(bodies).size).toBe(1);
  });

  it("names a slot after a <meta charset> that is not UTF-8, and changes no other byte of the page's own encoding (streamed and spliced)", async () => {
    await live(bySelector({ promo: "#promo" }, "sel-latin1", ["hero"]));
    // windows-1252 bytes (0xE9 "é") in the selected element's own attribute and content: not UTF-8.
    const latin1 = (s: string) => Uint8Array.from(s, (ch) => ch.charCodeAt(0));
    const before = '<!doctype html><html><head><meta charset="windows-1252"></head><body><div data-p13n-slot="hero">h</div><aside id="promo" title="caf\u00e9">';
    const input = latin1(`${before}Caf\u00e9</aside></body></html>`);
    const origin = fixtureOrigin({ "/latin1": () => new Response(input, { headers: { "content-type": "text/html", ...PUBLIC } }) });
    const outs: Uint8Array[] = [];
    for (let i = 0; i < 3; i++) outs.push((await call(origin.fetch, "/latin1", { headers: ANON })).bytes);
    const expected = latin1(`${before.replace('title="caf\u00e9">', 'title="caf\u00e9" data-p13n-slot="promo">')}Caf\u00e9</aside></body></html>`);
    for (const out of outs) expect([...out]).toEqual([...expected]);
  });

  it("one element is one slot: a second selector that matches it takes its next match", async () => {
    await live(bySelector({ a: "section", b: ".x" }, "sel-two"));
    const out = await through(page('<section class="x">1</section><div class="x">2</div>'));
    expect(out).toContain(
      '<section class="x" data-p13n-slot="a" data-p13n-variant="a-v"><i>a variant</i></section><div class="x" data-p13n-slot="b" data-p13n-variant="b-v"><i>b variant</i></div>',
    );
  });

  it("never takes an element that is a markup slot: the selector's slot is the next match", async () => {
    await live(bySelector({ promo: ".x" }, "sel-2", ["hero"]));
    const out = await through(page('<div class="x" data-p13n-slot="hero">h</div><div class="x">p</div>'));
    expect(out).toContain('<div class="x" data-p13n-slot="hero" data-p13n-variant="hero-v"><i>hero variant</i></div><div class="x" data-p13n-slot="promo" data-p13n-variant="promo-v"><i>promo variant</i></div>');
  });

  it("lets the markup slot win over a selector of the same id once met", async () => {
    await live(bySelector({ hero: ".x" }, "sel-3"));
    const out = await through(page('<div data-p13n-slot="hero">markup</div><div class="x">selected</div>'));
    expect(out).toContain('<div data-p13n-slot="hero" data-p13n-variant="hero-v"><i>hero variant</i></div><div class="x">selected</div>');
  });

  it("fills a selector match that comes before the markup slot of its id, and the markup slot too (documented)", async () => {
    await live(bySelector({ hero: ".x" }, "sel-4"));
    const out = await through(page('<div class="x">selected</div><div data-p13n-slot="hero">markup</div>'));
    expect(out).toContain('<div class="x" data-p13n-slot="hero" data-p13n-variant="hero-v"><i>hero variant</i></div><div data-p13n-slot="hero" data-p13n-variant="hero-v"><i>hero variant</i></div>');
  });

  it("takes an element an editor's picker names: by id, by class, by place", async () => {
    await live(bySelector({ a: "#signup", b: "footer .promo", c: "main > section:nth-child(2)" }, "sel-5"));
    const out = await through(
      page('<main><section>1</section><section>2</section></main><div id="signup">s</div><footer><div class="promo">f</div></footer>'),
    );
    expect(out).toContain('<section data-p13n-slot="c" data-p13n-variant="c-v"><i>c variant</i></section>');
    expect(out).toContain('<div id="signup" data-p13n-slot="a" data-p13n-variant="a-v"><i>a variant</i></div>');
    expect(out).toContain('<div class="promo" data-p13n-slot="b" data-p13n-variant="b-v"><i>b variant</i></div>');
  });

  it("keeps the default of a selector slot nested in a filled slot", async () => {
    await live(bySelector({ outer: "section", inner: ".in" }, "sel-6"));
    const out = await through(page('<section><div class="in">x</div></section><div class="in">after</div>'));
    expect(out).toContain('<section data-p13n-slot="outer" data-p13n-variant="outer-v"><i>outer variant</i></section><div class="in">after</div>');
  });
});

describe("templates record slots by selector", () => {
  const body = '<main><section class="hero">Default hero</section><p>text</p><aside id="promo">Default promo</aside></main>';

  it("splices a selector slot from the template byte for byte as the stream fills it", async () => {
    await live(bySelector({ hero: "main > .hero", promo: "#promo" }, "sel-t1"));
    const origin = fixtureOrigin({ "/t1": () => html(page(body), PUBLIC) });
    const streamed = await call(origin.fetch, "/t1", { headers: ANON });
    expect(timingOf(streamed.res)).toBe("miss");
    await call(origin.fetch, "/t1", { headers: ANON });
    const hit = await call(origin.fetch, "/t1", { headers: ANON });
    expect(timingOf(hit.res)).toBe("hit");
    expect(hit.body).toBe(streamed.body);
    expect(hit.body).toContain('<section class="hero" data-p13n-slot="hero" data-p13n-variant="hero-v"><i>hero variant</i></section>');
  });

  it("a template built with other selectors is not spliced: the page streams with the new ones, and the template is rebuilt for them", async () => {
    await live(bySelector({ hero: ".hero" }, "sel-t2"));
    const origin = fixtureOrigin({ "/t2": () => html(page(body), PUBLIC) });
    await call(origin.fetch, "/t2", { headers: ANON });
    await call(origin.fetch, "/t2", { headers: ANON });
    const store = templateStore(Number(env.TEMPLATE_CACHE_BYTES));
    const key = "https://shop.example/t2";
    expect(store.get(key)?.template.selectorKey).toBe(slotSelectorsOf(bySelector({ hero: ".hero" })).key);

    // The editor moves the slot: the same template answers (fresh), with the old selectors in it.
    const moved = bySelector({ hero: "#promo" }, "sel-t3");
    await live(moved);
    const after = await call(origin.fetch, "/t2", { headers: ANON });
    expect(timingOf(after.res)).toBe("hit");
    expect(after.body).toContain('<aside id="promo" data-p13n-slot="hero" data-p13n-variant="hero-v"><i>hero variant</i></aside>');
    expect(after.body).toContain('<section class="hero">Default hero</section>');
    // Rebuilt from its own bytes (the origin was not asked again), then spliced.
    expect(store.get(key)?.template.selectorKey).toBe(slotSelectorsOf(moved).key);
    const seen = origin.seen.length;
    const again = await call(origin.fetch, "/t2", { headers: ANON });
    expect(origin.seen.length).toBe(seen);
    expect(again.body).toBe(after.body);
  });
});

describe("publishing refuses what cannot be a slot (admin API)", () => {
  beforeEach(async () => {
    await clearKv(env.CONTENT);
    invalidateManifest(env.CONTENT);
  });

  it.each([
    ["a sibling combinator", "h2 + p", /'\+' \(next sibling\)/],
    ["a pseudo-class that needs what comes later", "li:last-child", /while the page streams/],
    ["the Worker's own attribute", '[data-p13n-slot="hero"]', /Worker's own attribute/],
  ])("refuses %s with 422 and the selector's path", async (_what, selector, why) => {
    const { res, json } = await admin("POST", "/publish", { manifest: bySelector({ hero: selector }, "sel-bad") });
    expect(res.status).toBe(422);
    expect(json.error?.code).toBe("MANIFEST_INVALID");
    expect(json.error?.path).toEqual(["manifest", "slots", "hero", "selector"]);
    expect(json.error?.message).toMatch(why);
  });

  it("refuses two slots with one selector (one element is one slot)", async () => {
    const { res, json } = await admin("POST", "/validate", { manifest: bySelector({ a: "footer  .promo", b: "footer .promo" }, "sel-dup") });
    expect(res.status).toBe(422);
    expect(json.error?.path).toEqual(["manifest", "slots", "b", "selector"]);
    expect(json.error?.message).toMatch(/selector of slot a/);
  });

  it("publishes a usable selector, and the next page has the slot", async () => {
    const { res } = await admin("POST", "/publish", { manifest: bySelector({ hero: "main > .hero" }, "sel-ok") });
    expect(res.status).toBe(201);
    const out = await through(page('<main><div class="hero">d</div></main>'), "/published");
    expect(out).toContain('<div class="hero" data-p13n-slot="hero" data-p13n-variant="hero-v"><i>hero variant</i></div>');
  });
});
