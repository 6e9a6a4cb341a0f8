/**
 * Origin misconfigurations caught before anything is forwarded, each answered with a
 * plain error page that names the fix (and logged with a stable code), never a loop:
 *
 * - ORIGIN_LOOP: the request carries our own hop header, so an origin sent it back to
 *   this Worker (ORIGIN_URL naming a host that routes here);
 * - ORIGIN_IS_SELF: ORIGIN_URL names the very host the visitor asked for;
 * - NO_ZONE_ORIGIN: no ORIGIN_URL, no origin binding, and a host with no zone origin
 *   behind it (a *.workers.dev address, or localhost outside `npm run dev`).
 *
 * @example
 * const problem = originProblem(request, target);
 * if (problem) return misconfiguredOriginPage(problem);
 */
import { logEvent } from "../observability/log.ts";
import { HOP_HEADER, type OriginTarget } from "./origin.ts";

export interface OriginProblem {
  code: "ORIGIN_LOOP" | "ORIGIN_IS_SELF" | "NO_ZONE_ORIGIN";
  status: 502 | 508;
  /** What is wrong and how to fix it, for the site owner who opens the page. */
  fix: string;
}

const LOCAL_HOST = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/;

/** What stands in the way of reaching the origin, or null (the usual case: one header read, one host compare). */
export function originProblem(request: Request, target: OriginTarget, incoming: URL = new URL(request.url)): OriginProblem | null {
  if (request.headers.has(HOP_HEADER)) {
    return {
      code: "ORIGIN_LOOP",
      status: 508,
      fix: "This request came back to the personalization Worker from its own origin. ORIGIN_URL must name the origin server itself (a host the Worker's route does not cover), or be empty to use the zone's own origin.",
    };
  }
  if (target.url) {
    if (target.url.host === incoming.host) {
      return {
        code: "ORIGIN_IS_SELF",
        status: 502,
        fix: `ORIGIN_URL names this Worker's own address (${incoming.host}). Leave ORIGIN_URL empty to use the zone's own origin, or set it to the origin server's own address.`,
      };
    }
    return null;
  }
  if (target.fetcher) return null;
  if (incoming.hostname.endsWith(".workers.dev") || LOCAL_HOST.test(incoming.hostname)) {
    return {
      code: "NO_ZONE_ORIGIN",
      status: 502,
      fix: `${incoming.hostname} has no origin behind it. Put the Worker on a route of your zone (npx p13n init --route "www.example.com/*"), or set ORIGIN_URL; locally, npm run dev serves the demo shop.`,
    };
  }
  return null;
}

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch]!);

/** The page for a misconfigured origin (logged once per request with its code). Never cached. */
export function misconfiguredOriginPage(problem: OriginProblem): Response {
  logEvent("error", "origin", problem.code, { fix: problem.fix });
  const body = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${problem.status} Origin misconfigured</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:15vh auto;padding:0 1rem;color:#222}code{font-size:.9em}</style>
</head><body><h1>This site's origin is misconfigured</h1><p>${escapeHtml(problem.fix)}</p><p><code>${problem.code}</code></p></body></html>`;
  return new Response(body, {
    status: problem.status,
    headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store", "x-p13n-error": problem.code },
  });
}
