/**
 * Which origin responses may be rewritten. HTMLRewriter does not look at
 * Content-Type, so this gate is what keeps JSON, images, ranges and
 * undecodable bodies byte for byte as the origin sent them.
 */

export type PassThroughReason =
  | "method"
  | "status"
  | "not-html"
  | "encoding"
  | "charset"
  | "too-large"
  | "no-body"
  | "upgrade";

/** Encodings whose bodies the runtime hands us decoded (gzip, br) or that need none. */
const DECODABLE = new Set(["", "identity", "gzip", "x-gzip", "br"]);

/**
 * Returns why a response must pass through untouched, or null when it may be rewritten.
 *
 * @example
 * if (passThroughReason(req, res, 5_000_000) === null) res = rewrite(res);
 */
export function passThroughReason(request: Request, response: Response, maxBytes: number): PassThroughReason | null {
  if (request.method !== "GET" && request.method !== "POST") return "method";
  if (response.status === 101 || response.webSocket) return "upgrade";
  // 206 (ranges), 204, 304 and every non-2xx go through as they are.
  if (response.status < 200 || response.status >= 300 || response.status === 204 || response.status === 206) return "status";
  if (!response.body) return "no-body";
  const type = response.headers.get("content-type") ?? "";
  const [mime, ...params] = type.toLowerCase().split(";");
  if (mime?.trim() !== "text/html") return "not-html";
  const charset = params.map((p) => p.trim()).find((p) => p.startsWith("charset="));
  if (charset) {
    const cs = charset.slice("charset=".length).replace(/"/g, "").trim();
    // Variants are UTF-8; splicing them into another encoding would garble them.
    if (cs !== "utf-8" && cs !== "utf8" && cs !== "us-ascii") return "charset";
  }
  const encoding = (response.headers.get("content-encoding") ?? "").trim().toLowerCase();
  if (!DECODABLE.has(encoding)) return "encoding";
  const length = Number(response.headers.get("content-length") ?? "0");
  if (length > maxBytes) return "too-large";
  return null;
}
