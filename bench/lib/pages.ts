/**
 * The pages the origin serves: real fixture pages with five `data-p13n-slot` attributes
 * added (bench/lib/slots.ts), written to the run's pages directory.
 *
 * @example
 * const pages = preparePages(["heise", "aclu"], slotIds, PAGES_SRC, join(RUN, "pages"));
 */
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { addSlots, declaredCharset, isUtf8 } from "./slots.ts";

export interface PageInfo {
  name: string;
  file: string;
  bytes: number;
  utf8: boolean;
  charset: string | null;
  slots: string[];
}

/** The pages asked for (`["all"]`: every fixture), with slots, in `outDir`. */
export function preparePages(names: readonly string[], slotIds: readonly string[], srcDir: string, outDir: string): PageInfo[] {
  const available = readdirSync(srcDir)
    .filter((f) => f.endsWith(".html"))
    .map((f) => f.slice(0, -5))
    .sort();
  const wanted = names.length === 1 && names[0] === "all" ? available : names;
  const missing = wanted.filter((n) => !available.includes(n));
  if (missing.length > 0) throw new Error(`no such page(s): ${missing.join(", ")}; available: ${available.join(", ")}`);
  mkdirSync(outDir, { recursive: true });
  return wanted.map((name) => {
    const raw = readFileSync(join(srcDir, `${name}.html`));
    const { html, placed } = addSlots(raw, slotIds);
    writeFileSync(join(outDir, `${name}.html`), html);
    return {
      name,
      file: `${name}.html`,
      bytes: html.length,
      utf8: isUtf8(raw),
      charset: declaredCharset(raw),
      slots: placed.map((p) => `${p.slot}:${p.tag}`),
    };
  });
}

/** Pages whose bytes or declared charset are not UTF-8 (served as-is with charset=utf-8 all the same). */
export function charsetWarnings(pages: readonly PageInfo[]): string[] {
  return pages
    .filter((p) => !p.utf8 || (p.charset && p.charset !== "utf-8" && p.charset !== "utf8"))
    .map((p) => `${p.name}: ${p.utf8 ? "valid UTF-8 bytes" : "not UTF-8"}, declares charset ${p.charset}; served as-is with charset=utf-8`);
}
