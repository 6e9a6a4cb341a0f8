import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "../../..");

/**
 * Where a test's screenshot goes: the README's own images in docs/ only when asked
 * (`npm run screenshots`, which sets P13N_SCREENSHOTS=docs), else test-results/ (ignored by git),
 * so `npm test` leaves the working tree as it found it while still taking every picture.
 */
export function shotPath(name: string): string {
  const dir = join(ROOT, process.env.P13N_SCREENSHOTS === "docs" ? "docs" : "test-results");
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}
