/**
 * The Cookie request header as a list of pairs, read the way servers read it (RFC 6265
 * §5.4: `name=value` pairs separated by `;`; a pair without `=` is a cookie with an empty
 * name). Unlike a parser that drops pairs it finds malformed, this keeps every pair: the
 * questions asked here ("which cookies does this request carry?", "forward all but ours")
 * must see what the origin will see.
 */

export interface CookiePair {
  name: string;
  /** The pair exactly as sent (name, `=`, value), trimmed. */
  raw: string;
}

/**
 * @example
 * cookiePairs("a=1; _ga=GA1.2; flag").map((p) => p.name); // ["a", "_ga", ""]
 */
export function cookiePairs(header: string): CookiePair[] {
  const out: CookiePair[] = [];
  for (const part of header.split(";")) {
    const raw = part.trim();
    if (!raw) continue;
    const eq = raw.indexOf("=");
    out.push({ name: eq < 0 ? "" : raw.slice(0, eq).trim(), raw });
  }
  return out;
}

/**
 * The header without the named cookies, or null when nothing is left.
 *
 * @example
 * withoutCookies("session=1; __Host-p13n_preview=tok", ["__Host-p13n_preview"]); // "session=1"
 */
export function withoutCookies(header: string, names: readonly string[]): string | null {
  const kept = cookiePairs(header).filter((p) => !names.includes(p.name));
  return kept.length ? kept.map((p) => p.raw).join("; ") : null;
}
