/**
 * docs/reliability.md as one suite: every fault and bad input it lists, and every concrete case
 * each names, is a row run through the public entry point (the real Worker, a fake origin, the
 * real bindings), with the cross-visitor leak check across every response of the leak rows.
 * The rows live in ./reliability/ by section; the focused test files keep the details.
 * At the end it prints, from the rows that ran:
 *   faults survived N/N, bad inputs refused N/N, cross-visitor leaks 0 in N responses
 */
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import doc from "../../docs/reliability.md?raw";
import { BAD_INPUT_ROWS } from "./reliability/bad-inputs.ts";
import { FAULT_ROWS } from "./reliability/faults.ts";
import { leakRowsLine, ledger, summary, tally, type Row, type Section } from "./reliability/matrix.ts";
import { LEAK_ROWS } from "./reliability/nothing-leaked.ts";
import { resetContent } from "./reliability/support.ts";

const SECTIONS: Array<[Section, string, Row[]]> = [
  ["fault", "Faults survived", FAULT_ROWS],
  ["bad", "Bad inputs tried", BAD_INPUT_ROWS],
  ["leak", "Nothing leaked, nothing lost", LEAK_ROWS],
];

beforeEach(async () => {
  await resetContent();
});

for (const [section, title, list] of SECTIONS) {
  describe(title, () => {
    for (const row of list) {
      it(`${row.entry}: ${row.name}`, { timeout: row.timeout ?? 20_000 }, async () => {
        tally[section].ran++;
        await row.run();
        tally[section].passed++;
      });
    }
  });
}

describe("docs/reliability.md and the rows", () => {
  /** The bold titles of a section's bullets: `- **Title.**` or `- **Title:**`. */
  function entries(title: string): string[] {
    const start = doc.indexOf(`## ${title}`);
    const end = doc.indexOf("\n## ", start + 1);
    const part = doc.slice(start, end < 0 ? undefined : end);
    return [...part.matchAll(/^- \*\*([^*]+?)[.:]?\*\*/gm)].map((m) => m[1]!);
  }

  /** A bullet's text up to the next bullet or section: where its rows are listed. */
  function bulletText(title: string, bullet: string): string {
    const section = doc.slice(doc.indexOf(`## ${title}`));
    const start = section.indexOf(`- **${bullet}`);
    const rest = section.slice(start + 1);
    const next = rest.search(/\n(- \*\*|## )/);
    return rest.slice(0, next < 0 ? undefined : next);
  }
  const asListed = (name: string) => `  - ${name.replaceAll("<", "&lt;").replaceAll(">", "&gt;")}\n`;

  for (const [section, title, list] of SECTIONS) {
    it(`every bullet of "${title}" has rows, every row names a bullet of it and is listed under it`, () => {
      const bullets = entries(title);
      expect(bullets.length).toBeGreaterThan(0);
      const named = new Set(list.map((r) => r.entry));
      expect(bullets.filter((b) => !named.has(b)), "bullets without a row").toEqual([]);
      expect([...named].filter((n) => !bullets.includes(n)), `rows naming no bullet of ${section}`).toEqual([]);
      expect(list.filter((r) => !`${bulletText(title, r.entry)}\n`.includes(asListed(r.name))).map((r) => r.name), "rows not listed under their bullet").toEqual([]);
    });
  }
});

afterAll(() => {
  // Counted from the rows that ran: a failing row fails its test and shows here as not passed.
  console.log(leakRowsLine());
  if (ledger.found.length > 0) console.log(`leaks: ${ledger.found.slice(0, 20).join("; ")}`);
  console.log(summary());
});
