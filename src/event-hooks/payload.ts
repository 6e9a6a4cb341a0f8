/**
 * What an outbound hook says (README "Outbound hooks"): the JSON body, version 1. Built when the
 * hook is queued, from the visitor's memory at that moment, and sent unchanged on every retry.
 *
 * ```json
 * { "v": 1, "type": "cart.abandoned", "id": "msg_…", "occurredAt": "2026-11-23T12:30:00.000Z", "sub": "cust-1042",
 *   "cart": { "items": [{ "sku": "aero-leggings", "qty": 1, "price": 89, "name": "Aero High-Rise Leggings", "image": "/img/aero.jpg", "category": "leggings" }],
 *             "value": 89, "updatedAt": "2026-11-23T12:00:00.000Z" },
 *   "prefs": { "channels": ["email"], "frequency": "fewer" } }
 * ```
 *
 * `id` is the idempotency key (also sent as `webhook-id`). `prefs` are the visitor's own stated
 * preferences when they stated any (channels they want, "fewer" messages), so the receiver can
 * respect them. A cart line carries the fields the cart holds for it (name, price, image and
 * category when the shop sent them with the cart event).
 */
import type { CartItem } from "../engine/types.ts";

export const HOOK_TYPES = ["cart.abandoned", "conversion"] as const;
export type HookType = (typeof HOOK_TYPES)[number];

/** A cart line as the hook sends it: the memory's own line, every field the shop's cart event gave. */
export type HookCartLine = CartItem;

export interface HookPrefs {
  topics?: string[];
  channels?: string[];
  frequency?: string;
}

interface Common {
  v: 1;
  id: string;
  /** When it happened (ISO 8601): the cart's abandonment, the conversion. */
  occurredAt: string;
  /** The visitor's profile subject: who your system should write to. */
  sub: string;
  prefs?: HookPrefs;
}

export type HookPayload =
  | (Common & { type: "cart.abandoned"; cart: { items: HookCartLine[]; value?: number; updatedAt: string } })
  | (Common & { type: "conversion"; conversion: { goal: string; value?: number; items?: HookCartLine[] } });

const TEXT_FIELDS = ["name", "image", "category"] as const;

/**
 * A cart row as stored (whatever columns the cart table has), as a hook's line: known fields
 * only, each of the right type.
 *
 * @example
 * cartLine({ sku: "aero-leggings", qty: 1, price: 89, name: "Aero" }); // { sku: "aero-leggings", qty: 1, price: 89, name: "Aero" }
 */
export function cartLine(row: Record<string, unknown>): HookCartLine | null {
  if (typeof row.sku !== "string" || row.sku === "" || typeof row.qty !== "number") return null;
  const line: HookCartLine = { sku: row.sku, qty: row.qty };
  if (typeof row.price === "number") line.price = row.price;
  for (const field of TEXT_FIELDS) {
    const value = row[field];
    if (typeof value === "string" && value !== "") line[field] = value.slice(0, 512);
  }
  return line;
}

/** The value of the priced lines, rounded to cents; undefined when no line has a price. */
export function cartValue(lines: readonly HookCartLine[]): number | undefined {
  const priced = lines.filter((l) => l.price !== undefined);
  if (priced.length === 0) return undefined;
  return Math.round(priced.reduce((v, l) => v + l.qty * l.price!, 0) * 100) / 100;
}
