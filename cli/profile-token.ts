/**
 * Test profile cookies, signed the way the site's own backend would sign them:
 * HS256 with PROFILE_SECRET, issuer, audience and `typ` from wrangler.toml.
 *
 * @example
 * const jwt = await mintProfileToken({ sub: "demo-gold-new", tier: "gold", stage: "new", ttlSeconds: 3600,
 *   issuer: "https://demo-shop.example", audience: "p13n-edge" }, secret);
 */
import { SignJWT } from "jose";
import { readFile } from "node:fs/promises";
import { join } from "node:path";

export type Stage = "new" | "developing" | "established";
export type Frequency = "fewer" | "normal" | "more";
export const STAGES: readonly Stage[] = ["new", "developing", "established"];
export const FREQUENCIES: readonly Frequency[] = ["fewer", "normal", "more"];

export interface TokenRequest {
  sub: string;
  tier?: string;
  stage?: Stage;
  topics?: string[];
  channels?: string[];
  frequency?: Frequency;
  attrs?: Record<string, string | number | boolean>;
  consent?: { personalize: boolean; track: boolean };
  ttlSeconds: number;
  issuer: string;
  audience: string;
  /** The `typ` header the Worker requires (PROFILE_TYP); its default when absent. */
  typ?: string;
  /** Epoch ms (default: now). */
  now?: number;
}

export async function mintProfileToken(req: TokenRequest, secret: string): Promise<string> {
  const now = Math.floor((req.now ?? Date.now()) / 1000);
  const prefs = {
    ...(req.topics?.length ? { topics: req.topics } : {}),
    ...(req.channels?.length ? { channels: req.channels } : {}),
    ...(req.frequency ? { frequency: req.frequency } : {}),
  };
  const claims = {
    ...(req.tier ? { tier: req.tier } : {}),
    ...(req.stage ? { stage: req.stage } : {}),
    ...(Object.keys(prefs).length ? { prefs } : {}),
    ...(req.consent ? { consent: req.consent } : {}),
    ...(req.attrs && Object.keys(req.attrs).length ? { attrs: req.attrs } : {}),
  };
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256", typ: req.typ ?? DEFAULT_PROFILE_SETTINGS.typ })
    .setSubject(req.sub)
    .setIssuer(req.issuer)
    .setAudience(req.audience)
    .setIssuedAt(now)
    .setExpirationTime(now + req.ttlSeconds)
    .sign(new TextEncoder().encode(secret));
}

export interface ProfileSettings {
  cookie: string;
  issuer: string;
  audience: string;
  typ: string;
}

export const DEFAULT_PROFILE_SETTINGS: ProfileSettings = {
  cookie: "p13n_profile",
  issuer: "https://demo-shop.example",
  audience: "p13n-edge",
  // The Worker's default PROFILE_TYP (src/config/schema.ts DEFAULT_PROFILE_TYP).
  typ: "p13n-profile+jwt",
};

/**
 * Cookie name, issuer, audience and typ as the local Worker checks them: wrangler.toml's
 * `[env.dev.vars]` when the file has a dev environment (what `npm run dev` runs; vars are
 * not inherited by an environment, so a missing one takes the Worker's default), else its
 * `[vars]`. A line-level read of four plain string keys, not a TOML parser.
 */
export async function readProfileSettings(cwd: string): Promise<ProfileSettings> {
  let toml = "";
  try {
    toml = await readFile(join(cwd, "wrangler.toml"), "utf8");
  } catch {
    return DEFAULT_PROFILE_SETTINGS;
  }
  const table = /^\[env\.dev\]/m.test(toml) ? "env\\.dev\\.vars" : "vars";
  const vars = new RegExp(`^\\[${table}\\][^\\n]*\\n([\\s\\S]*?)(?=^\\[)`, "m").exec(`${toml}\n[`)?.[1] ?? "";
  const get = (name: string): string | undefined => new RegExp(`^\\s*${name}\\s*=\\s*"([^"]*)"`, "m").exec(vars)?.[1] || undefined;
  return {
    cookie: get("PROFILE_COOKIE") ?? DEFAULT_PROFILE_SETTINGS.cookie,
    issuer: get("PROFILE_ISSUER") ?? DEFAULT_PROFILE_SETTINGS.issuer,
    audience: get("PROFILE_AUDIENCE") ?? DEFAULT_PROFILE_SETTINGS.audience,
    typ: get("PROFILE_TYP") ?? DEFAULT_PROFILE_SETTINGS.typ,
  };
}
