/**
 * A new visitor's first page, for the results: what it exposed them to travels signed with the
 * client script (./exposure-token.ts), since the page itself is not remembered. Signed before the
 * page streams (signing is async), chosen when it ends (the slots it carried are known only then).
 *
 * @example
 * const tokenFor = await firstPageExposures({ secret, visitorId, now, decided, manifest, allocation });
 * // …at </body>: clientScriptTag(nonce, tokenFor?.(report))
 */
import type { DecideResult, Manifest } from "../engine/types.ts";
import { claimKey, exposureToken, signExposures } from "./exposure-token.ts";
import { pageExposures, type SlotsOnPage } from "./exposures.ts";

export interface FirstPage {
  secret: string | undefined;
  visitorId: string | null;
  now: number;
  decided: DecideResult | null;
  manifest: Manifest | null;
  allocation: Record<string, Record<string, number>> | undefined;
}

/** The token for the slots the page carried, or null when it exposes nothing (then no function at all). */
export async function firstPageExposures(p: FirstPage): Promise<((onPage: SlotsOnPage) => string | null) | null> {
  const { secret, visitorId, decided, manifest, allocation } = p;
  if (!secret || !visitorId || !decided || !manifest) return null;
  try {
    // Everything the decision could expose, as if each decided slot were on the page.
    const possible = pageExposures(decided, { rendered: decided.decisions.map((d) => ({ slot: d.slot })), skipped: [] }, manifest, allocation);
    if (possible.length === 0) return null;
    const issuedS = Math.floor(p.now / 1000);
    const pieces = await signExposures(secret, visitorId, issuedS, possible);
    return (onPage) => exposureToken(issuedS, pageExposures(decided, onPage, manifest, allocation).flatMap((x) => pieces.get(claimKey(x)) ?? []));
  } catch {
    // Measurement is a courtesy: the page goes out with the plain tag.
    return null;
  }
}
