/**
 * The nonce a page's own Content-Security-Policy allows scripts with, so the client script
 * tag we add can carry it: on a strict-CSP site (`script-src 'nonce-…' 'strict-dynamic'`) a
 * tag without it is blocked and the site silently loses its beacons.
 *
 * Read from the response's `Content-Security-Policy` header (report-only policies block
 * nothing). For each policy, the directive that governs a `<script src>` element is
 * `script-src-elem`, else `script-src`, else `default-src` (CSP3 §6.1.1.3); its first
 * `'nonce-…'` source is the nonce. Only base64 / base64url characters are accepted, so the
 * value is safe inside an attribute. When several policies name different nonces, no one tag
 * can satisfy all of them: no nonce.
 */

const GOVERNING = ["script-src-elem", "script-src", "default-src"];
const NONCE = /^'nonce-([A-Za-z0-9+/_=-]{1,256})'$/;

function nonceOfPolicy(policy: string): string | null | undefined {
  const directives = new Map<string, string[]>();
  for (const part of policy.split(";")) {
    const [name, ...sources] = part.trim().split(/\s+/);
    const key = name?.toLowerCase();
    // The first occurrence of a directive wins (CSP3 §2.2.1).
    if (key && !directives.has(key)) directives.set(key, sources);
  }
  for (const name of GOVERNING) {
    const sources = directives.get(name);
    if (!sources) continue;
    for (const s of sources) {
      const m = NONCE.exec(s);
      if (m) return m[1]!;
    }
    return null;
  }
  // No directive restricts scripts in this policy.
  return undefined;
}

/**
 * @example
 * scriptNonce(new Headers({ "content-security-policy": "script-src 'nonce-r4nd0m' 'strict-dynamic'" })); // "r4nd0m"
 * scriptNonce(new Headers()); // null
 */
export function scriptNonce(headers: Headers): string | null {
  const header = headers.get("content-security-policy");
  if (!header) return null;
  let found: string | null = null;
  // Several policies (several headers) arrive joined by commas; each must allow the script.
  for (const policy of header.split(",")) {
    const nonce = nonceOfPolicy(policy);
    if (nonce === undefined || nonce === null) continue;
    if (found !== null && found !== nonce) return null;
    found = nonce;
  }
  return found;
}
