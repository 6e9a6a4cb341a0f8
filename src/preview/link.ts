/**
 * Where preview tokens travel: `?__p13n_preview=<token>` on a link (the page
 * path swaps it for a cookie and redirects to the clean URL), then the
 * `__Host-p13n_preview` cookie, so links within the site stay in preview.
 *
 * @example
 * previewUrl("https://shop.example", "/products/leggings", token);
 * // "https://shop.example/products/leggings?__p13n_preview=eyJ…"
 */
export const PREVIEW_PARAM = "__p13n_preview";
export const PREVIEW_COOKIE = "__Host-p13n_preview";
/** `?__p13n_preview=off` leaves preview. */
export const PREVIEW_OFF = "off";

export function previewUrl(base: string, path: string, token: string): string {
  const url = new URL(path, base);
  url.searchParams.set(PREVIEW_PARAM, token);
  return url.toString();
}
