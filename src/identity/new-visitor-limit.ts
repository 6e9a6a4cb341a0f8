/**
 * How many new anonymous visitor ids one client may be given: the Workers rate-limiting
 * binding `NEW_VISITORS` (`[[ratelimits]]` in wrangler.toml, `simple = { limit, period }`;
 * the platform takes the limit from the binding only, so it lives there, not in a var),
 * keyed by the client's address (`CF-Connecting-IP`, which Cloudflare sets and a client
 * cannot; an IPv6 address by its /64, which one subscriber usually holds whole).
 *
 * A new id costs nothing by itself (no object is written until the visitor comes back with
 * it: src/personalize.ts), but each id a client can replay is one object it can create:
 * this bounds that per address. It fails closed: a missing binding, an error or an answer
 * slower than the budget issues no id, and the visitor is anonymous on that page (still
 * served) and asked again on the next.
 */
import { describeError } from "../errors.ts";
import { withinBudget } from "../timing.ts";
import { logEvent } from "../observability/log.ts";

/** The limiter answers from the colo's own counters; past this the page goes on without an id. */
export const NEW_VISITOR_BUDGET_MS = 100;

/** Asks once whether this request may be given a new visitor id (counts it when yes). */
export type NewVisitorGate = () => Promise<boolean>;

/**
 * The key a client's new ids are counted under.
 *
 * @example
 * clientKey(new Request("https://shop.example/", { headers: { "cf-connecting-ip": "2001:db8:1:2:3:4:5:6" } })); // "ip6:2001:db8:1:2::/64"
 */
export function clientKey(request: Request): string {
  const ip = request.headers.get("cf-connecting-ip")?.trim();
  if (!ip) return "ip:unknown";
  if (!ip.includes(":")) return `ip4:${ip}`;
  const prefix = ipv6Prefix64(ip);
  return prefix ? `ip6:${prefix}::/64` : `ip6:${ip.toLowerCase()}`;
}

/** The first four hextets of an IPv6 address, normalized ("2001:db8:0:0"), or null when it is not one. */
function ipv6Prefix64(ip: string): string | null {
  const addr = ip.toLowerCase().replace(/%.*$/, "");
  const halves = addr.split("::");
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(":") : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(":") : [];
  // An embedded IPv4 tail (::ffff:1.2.3.4) takes two hextets.
  const width = (parts: string[]) => parts.reduce((n, p) => n + (p.includes(".") ? 2 : 1), 0);
  const missing = 8 - width(head) - width(tail);
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  const first = groups.slice(0, 4);
  if (first.length < 4 || !first.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return null;
  return first.map((g) => g.replace(/^0+(?=.)/, "")).join(":");
}

/**
 * A gate that spends one of the client's new ids when asked (at most once per request).
 *
 * @example
 * const gate = newVisitorGate(env.NEW_VISITORS, request);
 * if (await gate()) issue(); // else: anonymous on this page
 */
export function newVisitorGate(limiter: RateLimit | undefined, request: Request): NewVisitorGate {
  let answer: Promise<boolean> | undefined;
  return () => (answer ??= ask(limiter, clientKey(request)));
}

/** A missing binding is a deploy's mistake, said once per isolate rather than once per page. */
let saidMissing = false;

async function ask(limiter: RateLimit | undefined, key: string): Promise<boolean> {
  if (!limiter) {
    if (!saidMissing) logEvent("error", "new-visitor-limit", "NO_RATE_LIMIT_BINDING", { error: "no NEW_VISITORS rate-limit binding: no visitor id is issued (wrangler.toml [[ratelimits]])" });
    saidMissing = true;
    return false;
  }
  const r = await withinBudget(Promise.resolve().then(() => limiter.limit({ key })), NEW_VISITOR_BUDGET_MS);
  if (r.ok) return r.value.success;
  logEvent("error", "new-visitor-limit", "RATE_LIMIT_FAILED", { status: r.reason, error: describeError(r.error) });
  return false;
}
