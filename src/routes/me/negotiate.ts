/**
 * GET /__p13n/me answers HTML (the preference centre) to a browser that asks for a page,
 * JSON to everything else (fetch's default `*\/*`, curl, apps).
 */

function quality(accept: string, type: string): number {
  let best = -1;
  for (const part of accept.split(",")) {
    const [range, ...params] = part.trim().toLowerCase().split(";");
    if (range !== type) continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    const value = q ? Number(q.slice(2)) : 1;
    if (Number.isFinite(value)) best = Math.max(best, value);
  }
  return best;
}

/**
 * True when `text/html` is named and preferred to (or as good as) `application/json`.
 *
 * @example
 * wantsHtml("text/html,application/xhtml+xml,*\/*;q=0.8"); // true
 * wantsHtml("*\/*"); // false
 */
export function wantsHtml(accept: string | null): boolean {
  if (!accept) return false;
  const html = quality(accept, "text/html");
  return html > 0 && html >= quality(accept, "application/json");
}
