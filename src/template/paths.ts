/**
 * TEMPLATE_BYPASS: the paths whose pages never use templates (they keep the streaming
 * rewrite even when the origin marks them shareable). A comma- or space-separated list of
 * path patterns matched against the whole path; `*` matches any run of characters.
 */

/**
 * One RegExp for the whole list, or null when it is empty.
 *
 * @example
 * const re = pathPatterns("/checkout/*, /account/*, /search");
 * re?.test("/checkout/pay"); // true
 * re?.test("/search?q=x");   // false: the query is not part of the path
 */
export function pathPatterns(list: string): RegExp | null {
  const patterns = list
    .split(/[\s,]+/)
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
  if (patterns.length === 0) return null;
  const escaped = patterns.map((p) =>
    p
      .split("*")
      .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*"),
  );
  return new RegExp(`^(?:${escaped.join("|")})$`);
}
