// Types for sign-profile.mjs (for TypeScript backends, and this repository's tests).
import type { CryptoKey, JWK, KeyObject } from "jose";

export interface ProfileUser {
  id: string | number;
  tier?: string;
  stage?: "new" | "developing" | "established";
  topics?: string[];
  channels?: string[];
  frequency?: "fewer" | "normal" | "more";
  consent?: { personalize?: boolean; track?: boolean };
  attrs?: Record<string, string | number | boolean>;
}

export const COOKIE: string;
export const TYP: string;
export function profileClaims(user: ProfileUser): Record<string, unknown>;
export function signProfile(user: ProfileUser, opts: { secret: string; issuer: string; audience: string; ttlSeconds?: number }): Promise<string>;
export function signProfileWithKey(
  user: ProfileUser,
  opts: { privateKey: CryptoKey | KeyObject; kid: string; alg?: string; issuer: string; audience: string; ttlSeconds?: number },
): Promise<string>;
export function jwksDocument(keys: Array<{ publicKey: CryptoKey | KeyObject; kid: string; alg?: string }>): Promise<{ keys: JWK[] }>;
export function profileSetCookie(token: string, ttlSeconds?: number): string;
export const profileClearCookie: string;
