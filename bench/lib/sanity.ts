/**
 * The sanity pass before the rounds: every scenario × page once, sequentially. What came
 * back (status, size, slots filled, byte-identical to the origin's page) is checked and
 * printed under the table; a non-200 is a warning.
 *
 * @example
 * const sanity = await sanityPass(prepared, pages, pagesDir, warn);
 * sanity.slotsFilled; // mean data-p13n-variant attributes per page
 */
import { readFileSync } from "node:fs";
import { Agent } from "node:http";
import { join } from "node:path";
import type { PageInfo } from "./pages.ts";
import { countVariants, get } from "./sample.ts";
import type { Prepared } from "./visitors.ts";

export interface SanityResult {
  /** Mean slots filled per page. */
  slotsFilled: number;
  perPage: { page: string; status: number; bytes: number; filled: number; identical: boolean }[];
}

export async function sanityPass(p: Prepared, pages: readonly PageInfo[], pagesDir: string, warn: (m: string) => void): Promise<SanityResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const perPage: SanityResult["perPage"] = [];
  try {
    for (let i = 0; i < pages.length; i++) {
      const r = await get(agent, p.port, p.paths[i]!, p.headers);
      const origin = readFileSync(join(pagesDir, pages[i]!.file));
      perPage.push({ page: pages[i]!.name, status: r.status, bytes: r.body.length, filled: countVariants(r.body), identical: origin.equals(r.body) });
      if (r.status !== 200) warn(`${p.scenario.name} ${p.paths[i]} answered ${r.status}: ${r.body.toString("utf8").slice(0, 200)}`);
    }
  } finally {
    agent.destroy();
  }
  return { slotsFilled: Math.round((perPage.reduce((a, x) => a + x.filled, 0) / perPage.length) * 10) / 10, perPage };
}
