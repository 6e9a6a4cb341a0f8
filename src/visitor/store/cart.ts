/**
 * The visitor's cart lines, as plain functions on the memory row's lines (./memory.ts): what
 * the cart events wrote (SKU, quantity, price, name, image, category, when last added), the
 * snapshot's `cart` for the engine, and the lines a merge, the preference centre and the bounds
 * need. The memory's `cartUpdatedAt` (abandonment) and a checkout's conversion stay with the
 * fold (./fold.ts). Pure: the same code builds the cart in the object and, from the colo's copy
 * of the memory (src/visitor/edge-copy.ts), at the edge.
 *
 * @example
 * applyCartEvent(memory, { type: "cart", id, at, action: "add", sku: "LEG-1", qty: 1, price: 88, name: "Aero Leggings", category: "leggings", topics: [] });
 * cartSnapshot(memory.cart, { now, updatedAt: memory.cartUpdatedAt, abandonAfterMs: 30 * 60_000 });
 * // { count: 1, items: [{ sku: "LEG-1", qty: 1, price: 88, name: "Aero Leggings", category: "leggings" }], value: 88, … }
 */
import type { CartItem, CartSnapshot } from "../../engine/types.ts";
import type { VisitorEvent } from "../events.ts";
import type { CartLine, Memory } from "./memory.ts";

/** Lines the snapshot describes in full (the engine's `cart.items`; placeholders name 0 to 9). */
export const MAX_SNAPSHOT_CART_ITEMS = 10;

type CartEvent = Extract<VisitorEvent, { type: "cart" }>;

/** The line of `sku` (lines are kept in SKU order), created empty when `create` and missing. */
function lineOf(m: Memory, sku: string, create: boolean): CartLine | undefined {
  let i = 0;
  while (i < m.cart.length && m.cart[i]!.sku < sku) i++;
  if (m.cart[i]?.sku === sku) return m.cart[i];
  if (!create) return undefined;
  const line: CartLine = { sku, qty: 0, price: null };
  m.cart.splice(i, 0, line);
  return line;
}

/** Details the line does not have yet, or (`replace`) newer ones from an add that said them. */
function describeLine(line: CartLine, from: Partial<Pick<CartLine, "name" | "image" | "category">>, replace: boolean): void {
  for (const key of ["name", "image", "category"] as const) {
    const value = from[key];
    if (typeof value === "string" && (replace || line[key] === undefined)) line[key] = value;
  }
}

/** Changes the lines for one cart event (the fold keeps `cartUpdatedAt` and the checkout's conversion). */
export function applyCartEvent(m: Memory, event: CartEvent): void {
  const sku = event.sku ?? "";
  switch (event.action) {
    case "add": {
      const line = lineOf(m, sku, true)!;
      line.qty += event.qty;
      line.price = event.price ?? line.price;
      describeLine(line, event, true);
      line.addedAt = Math.max(line.addedAt ?? 0, event.at);
      break;
    }
    case "remove": {
      const line = lineOf(m, sku, false);
      if (line) line.qty -= event.qty;
      m.cart = m.cart.filter((l) => l.qty > 0);
      break;
    }
    case "clear":
    case "checkout":
      // A checkout leaves nothing to abandon.
      m.cart = [];
      break;
  }
}

/**
 * Takes another object's lines (an anonymous visitor who signed in, or an older object's
 * table). The same SKU may be in both (added before signing in): the larger quantity, not the
 * sum; a price and details kept where known.
 */
export function importCart(m: Memory, lines: readonly CartLine[]): void {
  for (const c of lines) {
    const line = lineOf(m, c.sku, true)!;
    line.qty = Math.max(line.qty, c.qty);
    line.price = line.price ?? c.price;
    describeLine(line, c, false);
    if (c.addedAt !== undefined) line.addedAt = Math.max(line.addedAt ?? 0, c.addedAt);
  }
}

/** Every line, the most recently added first (ties by SKU, so the order is stable). */
function recentFirst(lines: readonly CartLine[]): CartLine[] {
  return [...lines].sort((a, b) => (b.addedAt ?? 0) - (a.addedAt ?? 0) || (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));
}

function item(line: CartLine): CartItem {
  const out: CartItem = { sku: line.sku, qty: line.qty };
  if (line.price != null) out.price = line.price;
  if (line.name !== undefined) out.name = line.name;
  if (line.image !== undefined) out.image = line.image;
  if (line.category !== undefined) out.category = line.category;
  return out;
}

/**
 * The engine's `cart`: the count, value, SKUs and categories of every line, the most recent
 * MAX_SNAPSHOT_CART_ITEMS lines in full, and whether it was abandoned (items, and no change
 * for `abandonAfterMs`).
 */
export function cartSnapshot(lines: readonly CartLine[], o: { now: number; updatedAt: number | null | undefined; abandonAfterMs: number }): CartSnapshot {
  if (lines.length === 0) return { count: 0, items: [], abandoned: false };
  const rows = recentFirst(lines);
  const count = rows.reduce((n, l) => n + l.qty, 0);
  const updatedAt = o.updatedAt ?? o.now;
  const cart: CartSnapshot = {
    count,
    items: rows.slice(0, MAX_SNAPSHOT_CART_ITEMS).map(item),
    updatedAt,
    abandoned: count > 0 && o.now - updatedAt >= o.abandonAfterMs,
    skus: rows.map((l) => l.sku).filter((s) => s !== ""),
    categories: [...new Set(rows.map((l) => l.category).filter((c): c is string => typeof c === "string" && c !== ""))],
  };
  const priced = rows.filter((l) => l.price !== null);
  if (priced.length > 0) cart.value = Math.round(priced.reduce((v, l) => v + l.qty * l.price!, 0) * 100) / 100;
  return cart;
}

/** The lines the visitor sees in the preference centre, by SKU. */
export function describeCart(lines: readonly CartLine[]): CartItem[] {
  return lines.map(item).sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));
}

/** At most `max` lines: the largest quantities, then the most recently added (kept in SKU order). */
export function pruneCart(lines: CartLine[], max: number): CartLine[] {
  if (lines.length <= max) return lines;
  const kept = new Set([...lines].sort((a, b) => b.qty - a.qty || (b.addedAt ?? 0) - (a.addedAt ?? 0)).slice(0, max));
  return lines.filter((l) => kept.has(l));
}
