/**
 * TEMPLATE_BYPASS: the paths whose pages never use templates (they keep the streaming
 * rewrite even when the origin marks them shareable). A comma- or space-separated list of
 * path patterns matched against the whole path; `*` matches any run of characters, in
 * linear time (src/match/glob.ts: the one wildcard matcher).
 */
import { globList, type GlobList } from "./glob-list.ts";

/**
 * One matcher for the whole list, or null when it is empty.
 *
 * @example
 * const bypass = pathPatterns("/checkout/*, /account/*, /search");
 * bypass?.test("/checkout/pay"); // true
 * bypass?.test("/search?q=x");   // false: the query is not part of the path
 */
export function pathPatterns(list: string): GlobList | null {
  return globList(list);
}
