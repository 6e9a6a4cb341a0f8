/**
 * What every admin request passes before a handler sees it:
 * 1. not cross-site (the one policy of every body route, src/routes/cross-site.ts):
 *    no other site's page can drive the API even if a credential were ambient;
 * 2. an editor's credential (bearer token or Access JWT, src/routes/admin-auth.ts), then
 *    the Worker's own config: refused, it answers 500 CONFIG_INVALID with the fix (only
 *    editors see the message);
 * 3. a body, when there is one, declared `application/json`: a plain HTML form
 *    (urlencoded, multipart, text/plain) is refused before it is read.
 *
 * @example
 * admin.use("*", adminGuard);
 */
import type { Context, Next } from "hono";
import type { AppEnv } from "../../app-env.ts";
import { P13nError } from "../../errors.ts";
import { checkEditor } from "../admin-auth.ts";
import { crossSiteReason, mediaType } from "../cross-site.ts";
import { adminError } from "./respond.ts";

export async function adminGuard(c: Context<AppEnv>, next: Next): Promise<Response | void> {
  try {
    const crossSite = crossSiteReason(c.req.raw);
    if (crossSite) throw new P13nError("CROSS_SITE", `cross-site requests are refused (${crossSite})`);
    const refusal = c.get("configRefusal");
    const who = await checkEditor(c.req.raw, refusal ? refusal.admin : c.get("config").admin);
    if (!who.ok) throw new P13nError("UNAUTHORIZED", who.message);
    // The Worker refuses its config (pages pass through untouched): an editor is told why and how to fix it.
    if (refusal) throw refusal.problem;
    const method = c.req.method;
    if (method !== "GET" && method !== "HEAD" && mediaType(c.req.raw) !== "application/json") {
      throw new P13nError("UNSUPPORTED_MEDIA_TYPE", "send the body as JSON with Content-Type: application/json");
    }
  } catch (err) {
    return adminError(c, err);
  }
  await next();
}
