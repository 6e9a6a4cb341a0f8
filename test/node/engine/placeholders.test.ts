/**
 * Placeholders in variants, in plain Node: where one may stand (and where not), what it may
 * name, how it is filled (escaped always, consent-filtered, bounded), that a filled value can
 * never change the markup around it (fast-check, against a real HTML parser), and that decide()
 * hands every renderer final HTML.
 */
import fc from "fast-check";
import { Parser } from "htmlparser2";
import { describe, expect, it } from "vitest";
import { makeFacts } from "../../../src/engine/attributes.ts";
import { decide } from "../../../src/engine/decide.ts";
import { scanPlaceholders } from "../../../src/engine/placeholder-syntax.ts";
import { compileTemplate, escapeHtml, fillTemplate, MAX_FILLED_CHARS } from "../../../src/engine/placeholders.ts";
import type { CartItem, VisitorSnapshot } from "../../../src/engine/types.ts";
import { placeholderErrors, validateManifest } from "../../../src/engine/validate.ts";
import { context, input, manifest, NOW, profile, snapshot, variant } from "./fixtures.ts";

const HOSTILE = `"'><script>alert(1)</script><img src=x onerror=alert(1)>&amp;{{x}}`;

const cart = (...items: CartItem[]): VisitorSnapshot => snapshot({ cart: { count: items.length, items, abandoned: true, categories: items.map((i) => i.category ?? "") } });
const facts = (snap: VisitorSnapshot | null, extra: { personalize?: boolean; attrs?: Record<string, string> } = {}) =>
  makeFacts({ profile: profile({ attrs: extra.attrs ?? { firstName: "Sam" } }), context: context({ city: "Lyon" }), snapshot: snap, now: NOW, personalize: extra.personalize ?? true });

describe("where a placeholder may stand", () => {
  const allowed: Array<[string, string, string]> = [
    ["text", "<p>Hi {{profile.tier}}</p>", "text"],
    ["text at the top level", "{{profile.tier}}", "text"],
    ["text after a stray <", "<p>1 < 2 {{profile.tier}}</p>", "text"],
    ["alt, double quotes", '<img alt="{{cart.items.0.name}}">', "alt"],
    ["title, single quotes", "<span title='{{profile.tier}}'>x</span>", "title"],
    ["value", '<input value="{{profile.attrs.email}}">', "value"],
    ["placeholder", '<input placeholder="{{profile.tier}}">', "placeholder"],
    ["aria-label", '<button aria-label="Remove {{cart.items.0.name}}">x</button>', "aria-label"],
    ["a default quoted as the sanitizer writes it", '<img alt="{{cart.items.0.name | default: &quot;your item&quot;}}">', "alt"],
    ["a svg text", "<svg><text>{{profile.tier}}</text></svg>", "text"],
  ];
  it.each(allowed)("%s", (_name, html, where) => {
    const r = scanPlaceholders(html);
    expect(r.issues).toEqual([]);
    expect(r.tokens).toHaveLength(1);
    const c = r.tokens[0]!.context;
    expect(c.kind === "text" ? "text" : c.attribute).toBe(where);
  });

  const refused: Array<[string, string, RegExp]> = [
    ["href", '<a href="/p/{{cart.items.0.sku}}">x</a>', /in href/],
    ["src", '<img src="{{cart.items.0.name}}">', /in src/],
    ["srcset", '<img srcset="{{cart.items.0.name}} 2x">', /in srcset/],
    ["style", '<p style="color:{{profile.tier}}">x</p>', /in style/],
    ["an event handler", '<p onclick="go(\'{{profile.tier}}\')">x</p>', /in onclick/],
    ["class", '<p class="{{profile.tier}}">x</p>', /in class/],
    ["data-*", '<p data-name="{{profile.tier}}">x</p>', /in data-name/],
    ["an unquoted value", "<img alt={{profile.tier}}>", /inside a tag/],
    ["an attribute name", "<p {{profile.tier}}>x</p>", /inside a tag/],
    ["a tag name", "<h{{profile.tier}}>x</h1>", /inside a tag/],
    ["an end tag", '</p title="{{profile.tier}}">', /end tag/],
    ["a comment", "<!-- {{profile.tier}} -->", /comment/],
    ["a bogus comment", "<!x {{profile.tier}}>", /comment/],
    ["script", "<script>var t = '{{profile.tier}}';</script>", /inside <script>/],
    ["script, end tag in capitals", "<script>x</SCRIPT >{{profile.tier}}<script>'{{profile.tier}}'</script>", /inside <script>/],
    ["style", "<style>p:after{content:'{{profile.tier}}'}</style>", /inside <style>/],
    ["textarea", "<textarea>{{profile.tier}}</textarea>", /inside <textarea>/],
    ["noscript", "<noscript>{{profile.tier}}</noscript>", /inside <noscript>/],
    ["a tag never closed", '<img alt="x" {{profile.tier}}', /never closed/],
    ["unclosed", "<p>{{profile.tier</p>", /not closed/],
    ["closed in another text run", "<p>{{profile.tier</p><p>}}</p>", /not closed/],
    ["a filter that does not exist", "<p>{{profile.tier | upcase}}</p>", /cannot read/],
    ["markup in a default", '<p>{{profile.tier | default: "<b>x</b>"}}</p>', /not closed/],
    ["an ampersand in a default", '<p>{{profile.tier | default: "a &amp; b"}}</p>', /cannot read/],
    ["a section (logic)", "<p>{{#cart.items}}x{{/cart.items}}</p>", /cannot read/],
  ];
  it.each(refused)("refused: %s", (_name, html, why) => {
    const r = scanPlaceholders(html);
    expect(r.issues.length).toBeGreaterThan(0);
    expect(r.issues.map((i) => i.message).join("; ")).toMatch(why);
  });

  it("refuses the 51st placeholder of a fragment", () => {
    expect(scanPlaceholders("<p>{{profile.tier}}</p>".repeat(51)).issues.map((i) => i.message)).toEqual(["more than 50 placeholders in one fragment"]);
  });
});

describe("filling", () => {
  it("writes the visitor's values, escaped, and the default when a value is unknown", () => {
    const t = compileTemplate('<h1 title="{{cart.items.0.name}}">Hi {{profile.attrs.firstName | default: "there"}}, {{profile.attrs.nick | default: \'friend\'}}</h1>')!;
    expect(fillTemplate(t, facts(cart({ sku: "A", qty: 1, name: HOSTILE })))).toBe(
      `<h1 title="${escapeHtml(HOSTILE)}">Hi Sam, friend</h1>`,
    );
    expect(escapeHtml(HOSTILE)).toBe("&quot;&#39;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;&amp;amp;{{x}}");
  });

  it("escapes a default too (quotes it may hold)", () => {
    const t = compileTemplate(`<img alt='{{cart.items.0.name | default: "the one you "liked""}}'>`);
    // A default may not hold its own quote: not a placeholder that can be read.
    expect(t).toBeUndefined();
    const ok = compileTemplate(`<img alt="{{cart.items.0.name | default: &quot;Sam's pick&quot;}}">`)!;
    expect(fillTemplate(ok, facts(null))).toBe('<img alt="Sam&#39;s pick">');
  });

  it("cart lines: the most recent first, by index or by category", () => {
    const snap = cart({ sku: "SHOE", qty: 1, name: "Tempo 3", category: "running-shoes", price: 140 }, { sku: "LEG", qty: 2, name: "Aero Leggings", category: "leggings", price: 88.5 });
    const t = compileTemplate("{{cart.items.0.name}}|{{cart.latest.leggings.name}}|{{cart.latest.leggings.qty}}|{{cart.latest.leggings.price}}|{{cart.items.1.sku}}|{{cart.items.2.name | default: \"-\"}}")!;
    expect(fillTemplate(t, facts(snap))).toBe("Tempo 3|Aero Leggings|2|88.5|LEG|-");
  });

  it("numbers at most two decimals; an empty or blank value takes the default; long values are cut", () => {
    const t = compileTemplate('{{visitor.cart.value}}|{{profile.attrs.empty | default: "d"}}|{{profile.attrs.long}}')!;
    const f = facts({ cart: { count: 1, items: [], value: 10 / 3 } }, { attrs: { empty: "  ", long: "é".repeat(MAX_FILLED_CHARS + 10) } });
    expect(fillTemplate(t, f)).toBe(`3.33|d|${"é".repeat(MAX_FILLED_CHARS)}`);
    const emoji = fillTemplate(compileTemplate("{{profile.attrs.e}}")!, facts(null, { attrs: { e: `${"a".repeat(MAX_FILLED_CHARS - 1)}😀` } }));
    expect(emoji).toBe("a".repeat(MAX_FILLED_CHARS - 1));
  });

  it("without personalization consent, profile and behaviour values are unknown: the defaults are written", () => {
    const t = compileTemplate('{{profile.attrs.firstName | default: "there"}} {{cart.items.0.name | default: "your picks"}} {{context.city | default: "-"}}')!;
    expect(fillTemplate(t, facts(cart({ sku: "A", qty: 1, name: "Aero Leggings" })))).toBe("Sam Aero Leggings Lyon");
    expect(fillTemplate(t, facts(cart({ sku: "A", qty: 1, name: "Aero Leggings" }), { personalize: false }))).toBe("there your picks Lyon");
  });

  it("a filled value never changes the markup around it, in any context (against htmlparser2, 500 random values)", () => {
    const template = '<div class="a"><p title="{{profile.attrs.v}}">x {{profile.attrs.v}} y</p><img alt=\'{{profile.attrs.v}}\'><input value="{{profile.attrs.v}}"></div><b>end</b>';
    const t = compileTemplate(template)!;
    const value = fc.string({ unit: fc.constantFrom("<", ">", '"', "'", "&", "/", "=", " ", "a", "{", "}", "-", "!", "\u00a0", "é", "\n", "#", ";", "x", "3", "c") , maxLength: 40 });
    fc.assert(
      fc.property(value, (v) => {
        const html = fillTemplate(t, facts(null, { attrs: { v } }));
        const events = parse(html);
        const shown = v.trim() === "" ? "" : v.slice(0, MAX_FILLED_CHARS);
        // The same elements and attributes as the template, the value read back exactly where it was put.
        expect(events).toEqual([
          "open div class=a",
          `open p title=${shown}`,
          `text x ${shown} y`,
          "close p",
          `open img alt=${shown}`,
          "close img",
          `open input value=${shown}`,
          "close input",
          "close div",
          "open b",
          "text end",
          "close b",
        ]);
      }),
      { numRuns: 500 },
    );
  });
});

/** What an HTML parser reads: elements, attributes and text (adjacent text joined). */
function parse(html: string): string[] {
  const out: string[] = [];
  const parser = new Parser(
    {
      onopentag(name, attribs) {
        out.push(`open ${[name, ...Object.entries(attribs).map(([k, val]) => `${k}=${val}`)].join(" ")}`);
      },
      onclosetag(name) {
        out.push(`close ${name}`);
      },
      ontext(text) {
        const last = out.length - 1;
        if (out[last]?.startsWith("text ")) out[last] += text;
        else out.push(`text ${text}`);
      },
      oncomment() {
        out.push("comment");
      },
    },
    { decodeEntities: true, recognizeSelfClosing: false },
  );
  parser.write(html);
  parser.end();
  return out;
}

describe("decide() hands renderers final HTML", () => {
  const m = manifest({
    slots: {
      hero: [variant("reminder", { html: '<h1>Your {{cart.latest.leggings.name | default: "leggings"}} are waiting</h1>', audience: { attr: "visitor.cart.categories", contains: "leggings" } })],
      promo: [variant("hello", { html: "<p>Hello</p>" })],
    },
  });

  it("fills the chosen variant from the visitor's facts, and marks it filled", () => {
    const r = decide(input(m, { snapshot: cart({ sku: "LEG", qty: 1, name: "Aero <High-Rise> Leggings", category: "leggings" }) }));
    expect(r.decisions[0]).toMatchObject({ variant: "reminder", html: "<h1>Your Aero &lt;High-Rise&gt; Leggings are waiting</h1>", filled: true });
    expect(r.decisions[1]).toMatchObject({ variant: "hello", html: "<p>Hello</p>" });
    expect(r.decisions[1]).not.toHaveProperty("filled");
  });

  it("an experiment arm's variant is filled the same way", () => {
    const x = manifest({
      slots: { hero: [variant("named", { html: '<p>{{profile.attrs.firstName | default: "Hi"}}</p>', experimentOnly: true })] },
      experiments: { e: { slots: ["hero"], salt: "s", arms: [{ id: "named", weight: 1, variants: { hero: "named" } }] } },
    });
    const r = decide(input(x, { profile: profile({ attrs: { firstName: "Ana" } }) }));
    expect(r.decisions[0]).toMatchObject({ variant: "named", html: "<p>Ana</p>", filled: true });
  });

  it("a version that bypassed publishing with a placeholder where none may stand is served as stored, unfilled", () => {
    const bad = manifest({ slots: { hero: [variant("x", { html: '<a href="{{cart.items.0.name}}">go</a>' })] } });
    const r = decide(input(bad, { snapshot: cart({ sku: "A", qty: 1, name: "javascript:alert(1)" }) }));
    expect(r.decisions[0]).toMatchObject({ variant: "x", html: '<a href="{{cart.items.0.name}}">go</a>' });
    expect(r.decisions[0]).not.toHaveProperty("filled");
  });
});

describe("validation at publish", () => {
  const issuesOf = (html: string) => validateManifest(manifest({ slots: { hero: [variant("v", { html })] } })).filter((i) => i.code === "placeholder");

  it("names the placeholder, where it is and what to write instead", () => {
    const html = '<p>{{cart.items.0.nmae}}</p><p>{{visitor.cart.abandoned}}</p><p>{{prefs.topics | default: ""}}</p><p>{{context.query.msg | default: ""}}</p><p>{{cart.items.0.image | default: ""}}</p><p>{{cart.items.10.name | default: ""}}</p><p>{{nope.thing | default: ""}}</p>';
    const issues = issuesOf(html);
    expect(issues.map((i) => [i.severity, i.placeholder, i.offset, i.message])).toEqual([
      ["error", "{{cart.items.0.nmae}}", 3, "unknown placeholder 'cart.items.0.nmae' (did you mean cart.items.0.name?)"],
      ["error", "{{visitor.cart.abandoned}}", html.indexOf("{{visitor"), expect.stringContaining("true or false")],
      ["error", '{{prefs.topics | default: ""}}', html.indexOf("{{prefs"), expect.stringContaining("a list")],
      ["error", '{{context.query.msg | default: ""}}', html.indexOf("{{context"), expect.stringContaining("comes from the link")],
      ["error", '{{cart.items.0.image | default: ""}}', html.indexOf("{{cart.items.0.image"), expect.stringContaining("no placeholder fills a URL")],
      ["error", '{{cart.items.10.name | default: ""}}', html.indexOf("{{cart.items.10"), expect.stringContaining("0 to 9")],
      ["error", '{{nope.thing | default: ""}}', html.indexOf("{{nope"), "unknown placeholder 'nope.thing'"],
    ]);
    expect(issues.every((i) => i.path.join(".") === "slots.hero.variants.0.html")).toBe(true);
  });

  it("warns about a placeholder without a default; an empty default says it is meant", () => {
    expect(issuesOf("<p>{{profile.tier}}</p>").map((i) => [i.severity, i.message])).toEqual([["warning", expect.stringContaining("has no default")]]);
    expect(issuesOf('<p>{{profile.tier | default: ""}}</p>')).toEqual([]);
  });

  it("placeholderErrors: the errors alone, for fragments as the sanitizer rewrote them", () => {
    const m = manifest({ slots: { hero: [variant("a", { html: "<p>{{profile.tier}}</p>" }), variant("b", { html: '<a href="{{profile.tier}}">x</a>' })] } });
    expect(placeholderErrors(m).map((i) => [i.path.join("."), i.severity])).toEqual([["slots.hero.variants.1.html", "error"]]);
  });
});
