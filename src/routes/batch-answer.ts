/**
 * The beacon's answer, per event: a batch of up to 50 events keeps every valid one and says,
 * for each event in the order sent, what became of it.
 *
 * ```json
 * { "accepted": 2, "duplicates": 1, "refused": 1,
 *   "results": [
 *     { "id": "k3j4h5g6", "status": "accepted" },
 *     { "id": "m1n2b3v4", "status": "duplicate" },
 *     { "id": null, "status": "refused", "code": "INVALID_EVENT", "message": "events.2.id: 8–64 letters, digits, '-' or '_'" },
 *     { "id": "p0o9i8u7", "status": "accepted", "notes": [{ "code": "VALUE_CAPPED", "message": "value 1000000000 recorded as 100000 (EVENT_VALUE_CAP)" }] }
 *   ] }
 * ```
 *
 * `accepted`: written now; `duplicate`: written before (its id was seen), nothing new; `refused`:
 * not written and never will be as sent (do not resend it). `notes` on an accepted event say
 * what the Worker changed (`VALUE_CAPPED`) or will not count (`UNDECLARED_GOAL`). A beacon that
 * carried a first page's exposure token (`x`) also gets `exposure: { status, code?, message? }`.
 *
 * @example
 * const answer = batchAnswer(parsed, notes, out.result.statuses);
 */
import type { EventStatus } from "../visitor/events.ts";
import type { BeaconParse, EventNote, RefusedEvent } from "../visitor/beacon.ts";

export interface EventResult {
  id: string | null;
  status: EventStatus | "refused";
  code?: RefusedEvent["code"];
  message?: string;
  notes?: EventNote[];
}

/** What became of a first page's exposure token (`x`), when the beacon carried one. */
export interface ExposureResult {
  status: EventStatus | "refused";
  code?: "EXPOSURE_INVALID" | "EXPOSURE_EXPIRED";
  message?: string;
}

export interface BatchAnswer {
  accepted: number;
  duplicates: number;
  refused: number;
  results: EventResult[];
  exposure?: ExposureResult;
}

/** Every event of the batch, in the order sent. `statuses`/`notes`: one per valid event (absent: none was written). */
export function batchAnswer(
  parsed: Extract<BeaconParse, { ok: true }>,
  notes: readonly EventNote[][],
  statuses: readonly EventStatus[] | undefined,
  exposure?: ExposureResult,
): BatchAnswer {
  const results: EventResult[] = new Array<EventResult>(parsed.total);
  for (const r of parsed.refused) results[r.index] = { id: r.id, status: "refused", code: r.code, message: r.message };
  parsed.beacon.events.forEach((e, k) => {
    const status = statuses?.[k] ?? "accepted";
    const result: EventResult = { id: e.id, status };
    const own = notes[k] ?? [];
    if (status === "accepted" && own.length > 0) result.notes = own;
    results[parsed.positions[k]!] = result;
  });
  return {
    accepted: results.filter((r) => r.status === "accepted").length,
    duplicates: results.filter((r) => r.status === "duplicate").length,
    refused: parsed.refused.length,
    results,
    ...(exposure ? { exposure } : {}),
  };
}
