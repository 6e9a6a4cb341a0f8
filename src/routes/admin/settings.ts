/**
 * The editors' side of the configuration: Cloudflare Access (team domain and
 * application audience) and the preview signing key. Parsed once per env, like
 * `getConfig`; kept apart from it so the page path never pays for it.
 *
 * @example
 * const s = adminSettings(env);
 * if (s.access) await verifyAccessJwt(token, s.access);
 */
import * as v from "valibot";
import { parseEnv } from "../../config.ts";
import { P13nError } from "../../errors.ts";

export interface AccessSettings {
  /** e.g. `myteam.cloudflareaccess.com`; the issuer is `https://<team>`. */
  teamDomain: string;
  /** The Access application's AUD tag. */
  audience: string;
  /** A JWKS document inline (air-gapped setups, tests); otherwise `https://<team>/cdn-cgi/access/certs`. */
  jwks: string | undefined;
}

export interface AdminSettings {
  adminToken: string | undefined;
  access: AccessSettings | undefined;
  /** PREVIEW_SECRET when set; else derived from ADMIN_TOKEN (see src/preview/token.ts). */
  previewSecret: string | undefined;
}

const text = v.pipe(
  v.optional(v.string(), ""),
  v.transform((s) => s.trim() || undefined),
);

const Schema = v.object({
  ADMIN_TOKEN: text,
  PREVIEW_SECRET: text,
  ACCESS_TEAM_DOMAIN: v.pipe(
    text,
    v.transform((s) => s?.replace(/^https:\/\//, "").replace(/\/+$/, "")),
    v.check((s) => s === undefined || /^[a-z0-9.-]+$/i.test(s), "must be a host name such as myteam.cloudflareaccess.com"),
  ),
  ACCESS_AUD: text,
  ACCESS_JWKS: text,
});

const cache = new WeakMap<object, AdminSettings>();

/** Throws CONFIG_INVALID naming the variable (the admin API answers 500 "internal error"; the log says which). */
export function adminSettings(env: object): AdminSettings {
  const hit = cache.get(env);
  if (hit) return hit;
  const e = parseEnv(Schema, env);
  if ((e.ACCESS_TEAM_DOMAIN === undefined) !== (e.ACCESS_AUD === undefined)) {
    throw new P13nError("CONFIG_INVALID", "ACCESS_TEAM_DOMAIN and ACCESS_AUD go together: set both, or neither");
  }
  const settings: AdminSettings = {
    adminToken: e.ADMIN_TOKEN,
    access: e.ACCESS_TEAM_DOMAIN && e.ACCESS_AUD ? { teamDomain: e.ACCESS_TEAM_DOMAIN, audience: e.ACCESS_AUD, jwks: e.ACCESS_JWKS } : undefined,
    previewSecret: e.PREVIEW_SECRET ?? e.ADMIN_TOKEN,
  };
  cache.set(env, settings);
  return settings;
}
