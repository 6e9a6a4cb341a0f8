/**
 * How a scenario's requests look: the paths it rotates through, its headers, and its
 * visitors' cookies (a signed profile, and/or the cookies a first navigation set), one per
 * visitor of its pool, rotated per request by the load generator.
 *
 * @example
 * const p = await prepareScenario(s, proc, pages, { cfg, secrets });
 * await tool.run({ port: p.port, paths: p.paths, headers: p.headers, cookies: p.pool, … });
 */
import { Agent } from "node:http";
import { SignJWT } from "jose";
import type { PageInfo } from "./pages.ts";
import type { RepoConfig, Secrets } from "./repo-config.ts";
import { get } from "./sample.ts";
import type { WorkerdProcess } from "./workerd.ts";
import type { Scenario } from "../scenarios.ts";

const UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36";

/** A browser's first navigation: the Worker creates a new visitor's memory only for one. */
const NAVIGATION = { "Sec-Fetch-Dest": "document", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Site": "none" };

export interface Prepared {
  scenario: Scenario;
  port: number;
  /** The process serving the requests (for the real worker: the edge). */
  pid: number;
  paths: string[];
  headers: Record<string, string>;
  /** Cookie header values of the scenario's visitors, rotated per request (absent: one visitor or none). */
  pool?: string[];
}

interface Signing {
  cfg: RepoConfig;
  secrets: Secrets;
}

/** The request headers every scenario starts from (a desktop Chrome), then its own. */
export function baseHeaders(s: Scenario): Record<string, string> {
  return { "User-Agent": UA, Accept: "text/html,application/xhtml+xml", "Accept-Language": "en-US,en;q=0.9", ...s.headers };
}

/** A profile cookie signed as the site would sign it (HS256 with the run's PROFILE_SECRET). */
export async function profileCookie(sign: Signing, claims: NonNullable<Scenario["profile"]>): Promise<string> {
  const vars = (sign.cfg.vars ?? {}) as Record<string, string>;
  const { sub, ...rest } = claims;
  const jwt = await new SignJWT(rest)
    .setProtectedHeader({ alg: "HS256", typ: vars.PROFILE_TYP || "p13n-profile+jwt" })
    .setSubject(sub)
    .setIssuer(vars.PROFILE_ISSUER || "https://demo-shop.example")
    .setAudience(vars.PROFILE_AUDIENCE || "p13n-edge")
    .setIssuedAt()
    .setExpirationTime("2h")
    .sign(new TextEncoder().encode(sign.secrets.PROFILE_SECRET));
  return `${vars.PROFILE_COOKIE || "p13n_profile"}=${jwt}`;
}

/** One visitor's Cookie header: their profile (sub suffixed with `i` in a pool) and the cookies a first visit set (then one page more, remembered). */
async function visitorCookies(s: Scenario, i: number | null, port: number, path: string, headers: Record<string, string>, sign: Signing): Promise<string> {
  const cookies: string[] = [];
  if (s.profile) cookies.push(await profileCookie(sign, i === null ? s.profile : { ...s.profile, sub: `${s.profile.sub}-${i}` }));
  if (s.reuseSetCookie) {
    const agent = new Agent({ keepAlive: false });
    const first = await get(agent, port, path, { ...headers, ...NAVIGATION, ...(cookies.length ? { Cookie: cookies.join("; ") } : {}) });
    agent.destroy();
    const set = first.headers["set-cookie"] ?? [];
    for (const c of Array.isArray(set) ? set : [set]) cookies.push(c.split(";")[0]!);
    // A warm-up page with the cookie back: a first page is not remembered (its exposures ride
    // with the client script, src/results/first-page.ts), so without this second page the
    // visitor's object would hold nothing and every measured page would read an empty memory.
    if (set.length > 0) {
      const warm = new Agent({ keepAlive: false });
      await get(warm, port, path, { ...headers, ...NAVIGATION, Cookie: cookies.join("; ") });
      warm.destroy();
    }
  }
  return cookies.join("; ");
}

export async function prepareScenario(s: Scenario, proc: WorkerdProcess, pages: readonly PageInfo[], sign: Signing): Promise<Prepared> {
  const headers = baseHeaders(s);
  const paths = pages.map((p) => `/${s.origin}/${p.file}`);
  const base = { scenario: s, port: proc.port, pid: proc.pid, paths, headers };
  if (s.visitors && s.visitors > 1) {
    const pool: string[] = [];
    for (let i = 0; i < s.visitors; i++) pool.push(await visitorCookies(s, i, proc.port, paths[i % paths.length]!, headers, sign));
    // The sanity pass and the TTFB sampler go as the pool's first visitor.
    if (pool[0]) headers.Cookie = pool[0];
    return { ...base, pool };
  }
  const cookie = await visitorCookies(s, null, proc.port, paths[0]!, headers, sign);
  if (cookie) headers.Cookie = cookie;
  return base;
}
