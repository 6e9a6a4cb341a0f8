/**
 * Editors' credential check: a bearer token compared in constant time.
 * (Both sides are hashed first, so neither the comparison nor an early length
 * mismatch says anything about the token.)
 */

async function digest(s: string): Promise<ArrayBuffer> {
  return crypto.subtle.digest("SHA-256", new TextEncoder().encode(s));
}

/**
 * True when the request carries `Authorization: Bearer <ADMIN_TOKEN>`.
 *
 * @example
 * if (!(await isEditor(c.req.raw, config.adminToken))) return c.json({ error: … }, 401);
 */
export async function isEditor(request: Request, adminToken: string | undefined): Promise<boolean> {
  if (!adminToken) return false;
  const header = request.headers.get("authorization") ?? "";
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) return false;
  const [a, b] = await Promise.all([digest(match[1]!), digest(adminToken)]);
  return crypto.subtle.timingSafeEqual(a, b);
}
