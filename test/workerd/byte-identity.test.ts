/**
 * Everything outside slots reaches the browser byte for byte as the origin
 * sent it: on every real page of test/fixtures/real-pages (with a slot
 * attribute added to a real element) and every html5lib tokenizer case.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { invalidateManifest } from "../../src/content/manifest-store.ts";
import { call } from "../fixtures/call.ts";
import { REAL_PAGES, TOKENIZER_CASES } from "../fixtures/corpus.ts";
import { manifest, publish } from "../fixtures/manifest.ts";

const MARK = "<!--p13n-variant-->VARIANT";

beforeAll(async () => {
  invalidateManifest(env.CONTENT);
  await publish(env.CONTENT, manifest({ probe: [{ id: "v", html: MARK }] }));
});

const bytes = (s: string) => new TextEncoder().encode(s);

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

async function throughWorker(page: string): Promise<Uint8Array> {
  const { bytes: out } = await call(
    async () => new Response(bytes(page), { headers: { "content-type": "text/html; charset=utf-8" } }),
    "/",
    { headers: { "sec-gpc": "1" } },
  );
  return out;
}

/** A real element whose end tag HTML requires, so replacing its content eats nothing after it. */
const CANDIDATE = /<(div|section|article|h1|h2|span|ul|table)(\s[^<>]*)?>/i;

describe("real pages", () => {
  for (const [name, original] of REAL_PAGES) {
    it(`${name}: only the slot's content changes`, async () => {
      const bodyAt = original.search(/<body[\s>]/i);
      const from = bodyAt < 0 ? 0 : bodyAt;
      const m = CANDIDATE.exec(original.slice(from));
      expect(m, "page has an element to put a slot on").not.toBeNull();
      const at = from + m!.index;
      const tagName = m![1]!;
      // Add the slot attribute to the real element's start tag.
      const insertAt = at + 1 + tagName.length;
      const page = `${original.slice(0, insertAt)} data-p13n-slot="probe"${original.slice(insertAt)}`;
      const out = new TextDecoder("utf-8", { ignoreBOM: true, fatal: false }).decode(await throughWorker(page));

      const prefix = page.slice(0, at);
      expect(out.startsWith(prefix)).toBe(true);
      const markAt = out.indexOf(MARK, prefix.length);
      expect(markAt).toBeGreaterThan(prefix.length);
      const tail = out.slice(markAt + MARK.length);
      // After the variant: the element's own end tag, then the origin's bytes to the very end.
      expect(tail.toLowerCase().startsWith(`</${tagName.toLowerCase()}`)).toBe(true);
      expect(page.endsWith(tail)).toBe(true);
      expect(sameBytes(bytes(out.slice(0, prefix.length)), bytes(prefix))).toBe(true);
    });
  }
});

describe("html5lib tokenizer corpus", () => {
  const SLOT = '<div data-p13n-slot="probe">default</div>';
  const REWRITTEN = `<div data-p13n-slot="probe" data-p13n-variant="v">${MARK}</div>`;
  it(`has cases to run (${TOKENIZER_CASES.length})`, () => {
    expect(TOKENIZER_CASES.length).toBeGreaterThan(1000);
  });
  // Grouped per file to keep the run short; each case is checked on its own.
  const byFile = new Map<string, typeof TOKENIZER_CASES>();
  for (const c of TOKENIZER_CASES) byFile.set(c.file, [...(byFile.get(c.file) ?? []), c]);
  for (const [file, cases] of byFile) {
    it(`${file}: ${cases.length} inputs pass through byte for byte after a rewritten slot`, async () => {
      const failures: string[] = [];
      for (const c of cases) {
        const out = await throughWorker(SLOT + c.input);
        if (!sameBytes(out, bytes(REWRITTEN + c.input))) failures.push(c.description);
      }
      expect(failures).toEqual([]);
      // Thousands of requests per file: on a shared 2-core machine this outlasts vitest's 5 s default.
    }, 60_000);
  }
});
