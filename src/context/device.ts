/**
 * Device class from Client Hints when sent, else the User-Agent. A few
 * patterns cover the classes rules need; a full UA parser (20+ KB) would
 * weigh more than the rest of the worker for no decision it changes.
 */
import type { DeviceClass } from "../engine/types.ts";

const BOT = /bot|crawl|spider|slurp|bingpreview|facebookexternalhit|headlesschrome|lighthouse/i;
const TABLET = /ipad|tablet|kindle|silk\/|playbook|android(?!.*mobile)/i;
const MOBILE = /mobi|iphone|ipod|android.*mobile|windows phone|blackberry|opera mini/i;

/**
 * @example
 * deviceClass("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) …", null); // "mobile"
 */
export function deviceClass(userAgent: string | null, chMobile: string | null): DeviceClass {
  if (chMobile === "?1") return "mobile";
  if (!userAgent) return "unknown";
  if (BOT.test(userAgent)) return "bot";
  if (TABLET.test(userAgent)) return "tablet";
  if (MOBILE.test(userAgent)) return "mobile";
  return "desktop";
}
