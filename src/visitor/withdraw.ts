/**
 * Telling a signed-in visitor's object that they said no to tracking (src/visitor/store/consent-state.ts):
 * from the page path and /decide when a signed-in visitor's request refuses tracking (GPC, the
 * profile's consent, the site's consent cookie, their own choice), from the preference centre when
 * they turn memory off, and from a server message whose consent says no. Their hooks still waiting
 * go and server events stop, until they are next seen on the web with consent.
 *
 * Fire and forget on the page path (waitUntil); never throws. An object that holds nothing is
 * not written to (unless `keep`), so a signed-in visitor who never allowed tracking gets no object.
 *
 * @example
 * if (!identity.consent.track && identity.profile) waitUntil(withdrawVisitor(env.VISITOR, identity.profile.sub, { now }, 2000));
 */
import { describeError } from "../errors.ts";
import { logEvent } from "../observability/log.ts";
import { withinBudget } from "../timing.ts";
import type { VisitorNamespace } from "./access.ts";
import { visitorStub } from "./key.ts";

export async function withdrawVisitor(ns: VisitorNamespace | undefined, sub: string, options: { now: number; keep?: boolean }, budgetMs: number): Promise<boolean> {
  if (!ns) return false;
  let call: Promise<{ noted: boolean }>;
  try {
    call = visitorStub(ns, `sub:${sub}`).withdraw(options);
  } catch (err) {
    logEvent("error", "visitor.withdraw", "WITHDRAW_FAILED", { error: describeError(err) });
    return false;
  }
  const r = await withinBudget(call, budgetMs);
  if (!r.ok) logEvent("error", "visitor.withdraw", "WITHDRAW_FAILED", { status: r.reason, error: describeError(r.error) });
  return r.ok && r.value.noted;
}
