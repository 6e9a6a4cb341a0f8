/**
 * Applying events to a visitor's memory (./memory.ts): visits, recent views, served
 * impressions, interests, conversions, the cart, an open service case. Pure: the object reads
 * the row, folds a batch's events into it here, and writes it back in one statement
 * (./record.ts). Every interest change goes through `addInterest`, every cart change through
 * ./cart.ts.
 *
 * @example
 * const m = emptyMemory(now);
 * applyEvent(m, { type: "view", id, at: now, path: "/", topics: ["running"] }, 7 * 86_400_000);
 */
import { campaignKey, impressionKey } from "../../engine/caps.ts";
import type { VisitorEvent } from "../events.ts";
import { addSignal, INTEREST_WEIGHTS } from "../interest.ts";
import { SESSION_GAP_MS } from "../schema.ts";
import { applyCartEvent } from "./cart.ts";
import type { Memory } from "./memory.ts";

/** The larger of two times, where null means "never". */
export function laterOf(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.max(a, b);
}

/** Adds `weight` at time `at` to each topic (each once). */
export function addInterest(m: Memory, topics: readonly string[], weight: number, at: number, halfLifeMs: number): void {
  for (const topic of new Set(topics)) {
    const stored = m.interests.find((i) => i.topic === topic);
    const next = addSignal(stored, weight, at, halfLifeMs);
    if (stored) {
      stored.score = next.score;
      stored.at = next.at;
    } else {
      m.interests.push({ topic, score: next.score, at: next.at });
    }
  }
}

/** Appends a time to a keyed list (views, impressions), keeping each list oldest first. */
export function addTime(lists: Array<{ key: string; at: number[] }>, key: string, at: number): void {
  let list = lists.find((l) => l.key === key);
  if (!list) {
    list = { key, at: [] };
    lists.push(list);
  }
  let i = list.at.length;
  while (i > 0 && list.at[i - 1]! > at) i--;
  list.at.splice(i, 0, at);
}

function conversion(m: Memory, at: number): void {
  m.conversions++;
  m.lastConversionAt = laterOf(m.lastConversionAt, at);
}

function view(m: Memory, e: Extract<VisitorEvent, { type: "view" }>, halfLifeMs: number): void {
  // A view more than a session gap after the last one starts a new visit.
  if (m.lastView === null || e.at - m.lastView >= SESSION_GAP_MS) {
    m.visits++;
    m.prevVisitStart = m.visitStart;
    m.visitStart = e.at;
  }
  m.lastView = Math.max(m.lastView ?? 0, e.at);
  for (const key of new Set(e.category !== undefined ? [e.category, ...e.topics] : e.topics)) addTime(m.views, key, e.at);
  addInterest(m, e.topics, INTEREST_WEIGHTS.view, e.at, halfLifeMs);
}

function cart(m: Memory, e: Extract<VisitorEvent, { type: "cart" }>, halfLifeMs: number): void {
  applyCartEvent(m, e);
  if (e.action === "add") addInterest(m, e.topics, INTEREST_WEIGHTS.cart, e.at, halfLifeMs);
  // A checkout is a conversion too.
  if (e.action === "checkout") conversion(m, e.at);
  m.cartUpdatedAt = Math.max(m.cartUpdatedAt ?? 0, e.at);
}

/**
 * Folds one accepted event into the memory (in place).
 *
 * @example
 * applyEvent(memory, event, settings.halfLifeMs);
 */
export function applyEvent(m: Memory, event: VisitorEvent, halfLifeMs: number): void {
  switch (event.type) {
    case "view":
      view(m, event, halfLifeMs);
      break;
    case "impression":
      // Viewable impressions (client) stay in the history; caps count what was served.
      if (event.served) {
        addTime(m.impressions, impressionKey(event.slot, event.variant), event.at);
        if (event.campaign) addTime(m.impressions, campaignKey(event.campaign), event.at);
      }
      break;
    case "click":
      addInterest(m, event.topics, INTEREST_WEIGHTS.click, event.at, halfLifeMs);
      break;
    case "conversion":
      conversion(m, event.at);
      addInterest(m, event.topics, INTEREST_WEIGHTS.conversion, event.at, halfLifeMs);
      break;
    case "cart":
      cart(m, event, halfLifeMs);
      break;
    case "service_case":
      m.openCase = event.open;
      break;
    case "custom":
      break;
  }
}
