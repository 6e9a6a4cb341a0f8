/**
 * Hop-by-hop headers (RFC 9110 §7.6.1) belong to one connection and are not
 * forwarded. `Upgrade`/`Connection` are kept for WebSocket handshakes, which
 * the runtime carries through as a whole.
 */
const HOP_BY_HOP = ["keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection", "te", "trailer", "transfer-encoding"];
const TOKEN = /^[!#$%&'*+\-.0-9A-Z^_`a-z|~]+$/;

/**
 * Returns a copy of `headers` without hop-by-hop headers, including those the
 * `Connection` header names.
 *
 * @example
 * const clean = stripHopByHop(request.headers, { upgrade: false });
 */
export function stripHopByHop(headers: Headers, opts: { upgrade: boolean }): Headers {
  const out = new Headers(headers);
  const connection = out.get("connection");
  if (connection) {
    for (const name of connection.split(",")) {
      const h = name.trim().toLowerCase();
      if (TOKEN.test(h) && !(opts.upgrade && h === "upgrade")) out.delete(h);
    }
  }
  for (const h of HOP_BY_HOP) out.delete(h);
  if (!opts.upgrade) {
    out.delete("connection");
    out.delete("upgrade");
  }
  return out;
}
