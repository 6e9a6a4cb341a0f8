/**
 * Revalidating a stale template with the origin: always as any visitor would be asked (the
 * request stripped: src/template/sharing.ts), with the template's own validators, never the
 * visitor's. A 304 refreshes the template's headers and freshness; a 200 replaces it; a 5xx
 * keeps the stale copy for the rest of its stale-while-revalidate window.
 */
import { describeError } from "../errors.ts";
import { logEvent } from "../observability/log.ts";
import { adopt, policyOf, storedHeaders, type TemplateRequest } from "./admit.ts";
import { coloPut } from "./colo-cache.ts";
import { conditionalHeaders, refreshedHeaders } from "./http-cache.ts";
import { templateRequest } from "./sharing.ts";
import type { TemplateEntry } from "./store.ts";

/** The revalidation request: stripped like any template request, with the template's own validators. */
export function conditional(upstream: Request, entry: TemplateEntry): Request {
  return templateRequest(upstream, conditionalHeaders(entry.validator));
}

/** A 304 brings the template's headers and freshness up to date; null when it names another version. */
export function refresh(t: TemplateRequest, entry: TemplateEntry, notModified: Response): TemplateEntry | null {
  const headers = refreshedHeaders(new Headers(entry.headers as Array<[string, string]>), notModified.headers, entry.validator);
  if (!headers) return null;
  const now = Date.now();
  const policy = policyOf(t.optedIn, 200, headers, now);
  if (!policy.storable || policy.vary.join(",") !== entry.vary.join(",")) return null;
  const refreshed: TemplateEntry = { ...entry, headers: storedHeaders(headers), validator: policy.validator, freshness: policy.freshness };
  t.store.put(refreshed);
  t.waitUntil(coloPut(refreshed, now).catch(() => {}));
  return refreshed;
}

/** Stale within stale-while-revalidate: one conditional request behind the visitor's page (one per key at a time). */
export async function revalidateInBackground(t: TemplateRequest, entry: TemplateEntry, upstream: Request): Promise<void> {
  if (t.store.revalidating.has(entry.key)) return;
  t.store.revalidating.add(entry.key);
  try {
    const res = await t.originFetch(conditional(upstream, entry));
    if (res.status === 304) {
      if (!refresh(t, entry, res)) t.store.delete(entry.key);
      return;
    }
    if (res.status >= 500) {
      // The origin is struggling: keep the stale copy for the rest of its window.
      await res.body?.cancel();
      return;
    }
    t.store.delete(entry.key);
    await adopt(t, res);
  } catch (err) {
    logEvent("error", "template-revalidate", "TEMPLATE_REVALIDATE_FAILED", { error: describeError(err) });
  } finally {
    t.store.revalidating.delete(entry.key);
  }
}
