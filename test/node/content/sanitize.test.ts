// The fragment sanitizer: the allow-list, URL schemes as a browser reads them, and a second pass that changes nothing.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { sanitizeFragment } from "../../../src/content/sanitize.ts";
import { sanitizeManifest } from "../../../src/content/sanitize-manifest.ts";

const CASES: Array<[string, string, string]> = [
  ["script", '<p>a</p><script>alert(1)</script>', "<p>a</p>"],
  ["event handler", '<img src="/a.png" onerror="alert(1)" alt="A">', '<img src="/a.png" alt="A">'],
  ["uppercase handler", '<div ONCLICK="x">Z</div>', "<div>Z</div>"],
  ["javascript: URL", '<a href="javascript:alert(1)">x</a>', "<a>x</a>"],
  ["entity-encoded javascript:", '<a href="&#106;avascript:alert(1)">x</a>', "<a>x</a>"],
  ["tab inside the scheme", '<a href="jav&#x09;ascript:alert(1)">x</a>', "<a>x</a>"],
  ["leading spaces and controls", '<a href=" \u0001javascript:alert(1)">x</a>', "<a>x</a>"],
  ["vbscript:", '<a href="VBScript:msgbox(1)">x</a>', "<a>x</a>"],
  ["data: link", '<a href="data:text/html,<script>alert(1)</script>">x</a>', "<a>x</a>"],
  ["data: image kept", '<img src="data:image/png;base64,iVBOR">', '<img src="data:image/png;base64,iVBOR">'],
  ["data: svg image refused", '<img src="data:image/svg+xml,<svg onload=alert(1)>">', "<img>"],
  ["srcset candidate", '<img srcset="/a.png 1x, javascript:alert(1) 2x">', "<img>"],
  ["form action and formaction", '<form action="javascript:x"><button formaction="javascript:y">b</button></form>', "<form><button>b</button></form>"],
  ["iframe, object, embed", '<iframe src="/x"></iframe><object data="x"></object><embed src="x">ok', "ok"],
  ["base and meta refresh", '<base href="https://evil.example/"><meta http-equiv="refresh" content="0;url=https://evil.example">ok', "ok"],
  ["style element", "<style>body{display:none}</style>ok", "ok"],
  ["style expression", '<div style="width:expression(alert(1))">a</div>', "<div>a</div>"],
  ["style url(javascript:)", '<div style="background:url(\'javascript:alert(1)\')">a</div>', "<div>a</div>"],
  ["harmless style kept", '<div style="color:#333;background:url(/hero.jpg)">a</div>', '<div style="color:#333;background:url(/hero.jpg)">a</div>'],
  ["noscript mXSS", '<noscript><p title="</noscript><img src=x onerror=alert(1)>">', ""],
  ["math mXSS", "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>", ""],
  ["svg animate to javascript:", '<svg><a><animate attributeName="href" values="javascript:alert(1)"/><text>x</text></a></svg>', "<svg><a><text>x</text></a></svg>"],
  ["svg use of another document", '<svg><use href="https://evil.example/s.svg#x"/><use href="#i"/></svg>', '<svg><use></use><use href="#i"></use></svg>'],
  ["attribute breakout escaped", '<p title="&quot;><script>x</script>">a</p>', '<p title="&quot;&gt;&lt;script&gt;x&lt;/script&gt;">a</p>'],
  ["slot markup belongs to the middleware", '<div data-p13n-slot="x" data-sku="1">a</div>', '<div data-sku="1">a</div>'],
  ["a declared goal on a form is kept, a bad goal name is not", '<form data-p13n-goal="newsletter"><button data-p13n-goal="x y">b</button></form>', '<form data-p13n-goal="newsletter"><button>b</button></form>'],
  ["unknown tag: text kept", "<blink>hi</blink>", "hi"],
  ["unbalanced markup is balanced", "<div><p>a<b>b", "<div><p>a<b>b</b></p></div>"],
  ["comments dropped", "a<!--[if IE]><script>x</script><![endif]-->b", "ab"],
  ["entities survive", "5 &lt; 6 &amp; caf&eacute;", "5 &lt; 6 &amp; café"],
];

describe("sanitizeFragment", () => {
  it.each(CASES)("%s", (_name, input, expected) => {
    const r = sanitizeFragment(input);
    expect(r.html).toBe(expected);
    if (expected !== input) expect(r.removed.length + (input.includes("<!--") || input.includes("<div><p>") || input.includes("&") ? 1 : 0)).toBeGreaterThan(0);
  });

  it("keeps placeholders in text and attributes (an attribute's quotes as &quot;, which placeholders read as quotes)", () => {
    const r = sanitizeFragment(`<p title='{{profile.tier | default: "you"}}'>Hi {{cart.items.0.name}}</p>`);
    expect(r.html).toBe('<p title="{{profile.tier | default: &quot;you&quot;}}">Hi {{cart.items.0.name}}</p>');
    expect(r.removed).toEqual([]);
  });

  it("keeps the demo shop's markup as written (forms, buttons, aria, classes, links)", () => {
    const html = '<form action="/account" method="get"><input type="email" aria-label="Email address" name="email" placeholder="you@example.com" autocomplete="email"><button class="btn" type="submit">Join</button></form><a class="btn is-ghost" href="/__p13n/me">Manage</a>';
    expect(sanitizeFragment(html)).toEqual({ html, removed: [] });
  });

  it("reports where it removed something (offset of the tag)", () => {
    const r = sanitizeFragment('<p>ok</p>\n<a href="javascript:x" onclick="y">z</a>');
    expect(r.removed.map((x) => [x.what, x.offset])).toEqual([
      ["href", 10],
      ["onclick", 10],
    ]);
  });

  it("a second pass changes nothing and reports nothing (any input)", () => {
    const pieces = fc.constantFrom("<", ">", "/", "a", "p", "script", "img", " ", "=", '"', "'", "on", "href", "javascript:", "&", "#", ";", "svg", "!--", "style", "\n");
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 40 }), (parts) => {
        const once = sanitizeFragment(parts.join(""));
        const twice = sanitizeFragment(once.html);
        expect(twice.html).toBe(once.html);
        expect(twice.removed).toEqual([]);
        // Nothing left to remove means only allow-listed elements, attributes and URLs remain.
        expect(once.html).not.toMatch(/<script/i);
      }),
      { numRuns: 500 },
    );
  });
});

describe("sanitizeManifest", () => {
  it("sanitizes untrusted slots only, without changing its input", () => {
    const doc = { slots: { a: { variants: [{ id: "x", html: "<script>1</script>ok" }] }, b: { trusted: true, variants: [{ id: "y", html: "<script>2</script>" }] } } };
    const { document, removed } = sanitizeManifest(doc);
    expect(document.slots.a.variants[0]!.html).toBe("ok");
    expect(document.slots.b.variants[0]!.html).toBe("<script>2</script>");
    expect(doc.slots.a.variants[0]!.html).toBe("<script>1</script>ok");
    expect(removed).toEqual([expect.objectContaining({ slot: "a", variant: "x", what: "<script>", path: ["slots", "a", "variants", 0, "html"] })]);
  });
});
