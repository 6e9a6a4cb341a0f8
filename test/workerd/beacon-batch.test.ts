/**
 * Beacons keep what is valid, and results cannot be steered. Through the real page path, the
 * beacon route, the visitor and counter objects, D1 and the admin report:
 * - a batch answers per event (accepted, duplicate, refused and why), and one bad event
 *   refuses only itself;
 * - only declared goals count: a flood of invented goal names adds no rows, and is reported as
 *   dropped;
 * - a value of 1e9 is capped at EVENT_VALUE_CAP;
 * - an experiment that declares no goal reports no winner, and a bandit must declare one.
 */
import { listDurableObjectIds, runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { invalidateManifest } from "../../src/content/manifest-store.ts";
import type { Manifest } from "../../src/engine/types.ts";
import type { ExperimentCounter } from "../../src/results-store/counter-object.ts";
import { readRows } from "../../src/results-store/d1-store.ts";
import type { ExperimentReport } from "../../src/results/report.ts";
import { DROPPED_GOAL } from "../../src/results/tally.ts";
import { admin } from "../fixtures/admin.ts";
import { manifest, publish } from "../fixtures/manifest.ts";
import { fixtureOrigin, html } from "../fixtures/origin.ts";
import { beacon, eventId, newVisitor, storedEvents } from "../fixtures/visitor.ts";

const PAGE = "<html><body><div data-p13n-slot='hero'>Default hero</div></body></html>";
const origin = () => fixtureOrigin({ "/": () => html(PAGE) });

interface Answer {
  accepted: number;
  duplicates: number;
  refused: number;
  results: Array<{ id: string | null; status: string; code?: string; message?: string; notes?: Array<{ code: string; message: string }> }>;
  error?: { code: string; message: string };
}

/** An experiment on the hero (every visitor in it), with or without a declared goal. */
function experimentManifest(opts: { goal?: string; goals?: string[]; bandit?: boolean } = {}): { m: Manifest; id: string } {
  const id = `batch-${crypto.randomUUID().slice(0, 8)}`;
  const m = manifest(
    { hero: [{ id: "bold", html: "<b>Bold</b>", experimentOnly: true }] },
    {
      version: `v-${id}`,
      ...(opts.goals ? { goals: opts.goals } : {}),
      experiments: {
        [id]: {
          slots: ["hero"],
          salt: `salt-${id}`,
          status: "running",
          traffic: 1,
          holdout: 0,
          bandit: opts.bandit ?? false,
          ...(opts.goal ? { goal: opts.goal } : {}),
          arms: [
            { id: "control", weight: 1, variants: { hero: null } },
            { id: "bold", weight: 1, variants: { hero: "bold" } },
          ],
        },
      },
    } as Partial<Manifest>,
  );
  return { m, id };
}

const counter = (id: string) => env.EXPERIMENT_COUNTER.get(env.EXPERIMENT_COUNTER.idFromName(id)) as DurableObjectStub<ExperimentCounter>;

/** Every visitor object's alarm hands its outbox on; then the counter flushes to D1. */
async function flush(id: string): Promise<void> {
  for (const o of await listDurableObjectIds(env.VISITOR)) await runDurableObjectAlarm(env.VISITOR.get(o));
  await runDurableObjectAlarm(counter(id));
}

async function report(id: string): Promise<ExperimentReport> {
  const { res, json } = await admin("GET", `/experiments/${id}/results`);
  expect(res.status).toBe(200);
  return json as unknown as ExperimentReport;
}

beforeEach(() => invalidateManifest(env.CONTENT));

describe("a batch answers per event", () => {
  it("keeps the valid events of a mixed batch and says which were refused and why", async () => {
    const { m } = experimentManifest({ goal: "purchase" });
    await publish(env.CONTENT, m);
    const { cookie, id } = await newVisitor(origin());
    const seen = { id: eventId(), type: "click", slot: "hero" };
    expect((await beacon({ events: [seen] }, cookie)).res.status).toBe(200);

    const good1 = { id: eventId(), type: "click", slot: "hero", variant: "bold" };
    const badType = { id: "abcdefgh-1", type: "purchase" };
    const good2 = { id: eventId(), type: "conversion", goal: "purchase", value: 20 };
    const badField = { id: "abcdefgh-2", type: "cart", action: "steal" };
    const noId = { type: "click", slot: "hero" };
    const sent = await beacon({ events: [good1, badType, seen, good2, badField, noId] }, cookie);
    expect(sent.res.status).toBe(200);
    const answer = JSON.parse(sent.body) as Answer;
    expect(answer).toMatchObject({ accepted: 2, duplicates: 1, refused: 3 });
    expect(answer.results.map((r) => [r.id, r.status, r.code ?? null])).toEqual([
      [good1.id, "accepted", null],
      ["abcdefgh-1", "refused", "INVALID_EVENT"],
      [seen.id, "duplicate", null],
      [good2.id, "accepted", null],
      ["abcdefgh-2", "refused", "INVALID_EVENT"],
      [null, "refused", "INVALID_EVENT"],
    ]);
    expect(answer.results[4]!.message).toMatch(/^events\.4\.action: /);
    expect(answer.results[5]!.message).toMatch(/^events\.5\.id: /);

    const stored = await storedEvents(`vid:${id}`);
    const ids = stored.map((e) => e.id);
    expect(ids).toEqual(expect.arrayContaining([seen.id, good1.id, good2.id]));
    expect(ids).not.toContain("abcdefgh-1");
    expect(ids).not.toContain("abcdefgh-2");
    expect(stored.filter((e) => e.id === seen.id)).toHaveLength(1);
  });

  it("a batch with no valid event is 400 INVALID_BEACON, with every event's reason", async () => {
    const { cookie, id } = await newVisitor(origin());
    const before = (await storedEvents(`vid:${id}`)).length;
    const sent = await beacon({ events: [{ id: "abcdefgh-3", type: "nope" }, { id: "x", type: "click", slot: "hero" }] }, cookie);
    expect(sent.res.status).toBe(400);
    const answer = JSON.parse(sent.body) as Answer;
    expect(answer.error?.code).toBe("INVALID_BEACON");
    expect(answer.results.map((r) => r.status)).toEqual(["refused", "refused"]);
    expect((await storedEvents(`vid:${id}`)).length).toBe(before);
  });
});

describe("results cannot be steered", () => {
  it("a flood of invented goal names adds no rows: dropped, and counted as dropped", { timeout: 60_000 }, async () => {
    const { m, id } = experimentManifest({ goal: "purchase", goals: ["signup"] });
    await publish(env.CONTENT, m);
    const o = origin();
    const { cookie } = await newVisitor(o); // exposed: a unit of the experiment
    const rate = { BEACON_RATE_PER_MIN: "6000" };
    const declared = await beacon({ events: [{ id: eventId(), type: "conversion", goal: "purchase", value: 10 }, { id: eventId(), type: "conversion", goal: "signup" }] }, cookie, {}, rate);
    expect((JSON.parse(declared.body) as Answer).results.every((r) => r.status === "accepted" && r.notes === undefined)).toBe(true);
    await flush(id);
    const before = await readRows(env.RESULTS, id);

    let invented = 0;
    for (let b = 0; b < 10; b++) {
      const events = Array.from({ length: 50 }, () => ({ id: eventId(), type: "conversion", goal: `made-up-${crypto.randomUUID()}`, value: 1 }));
      invented += events.length;
      const sent = await beacon({ events }, cookie, {}, rate);
      expect(sent.res.status).toBe(200);
      const answer = JSON.parse(sent.body) as Answer;
      expect(answer.accepted).toBe(50);
      expect(answer.results.every((r) => r.notes?.[0]?.code === "UNDECLARED_GOAL")).toBe(true);
    }
    await flush(id);
    const after = await readRows(env.RESULTS, id);
    // 500 invented names: no row per name, only the experiment's one "dropped" row per arm and day.
    expect(new Set(after.map((r) => r.goal))).toEqual(new Set(["", "purchase", "signup", DROPPED_GOAL]));
    expect(after.length).toBe(before.length + 1);
    const r = await report(id);
    expect(r.goals).toEqual(["purchase", "signup"]);
    expect(r.droppedConversions).toBe(invented);
    expect(r.goal).toBe("purchase");
    expect(r.arms.reduce((n, a) => n + a.rate.converted, 0)).toBe(1);
  });

  it("a value of 1e9 is capped at EVENT_VALUE_CAP, in the visitor's memory and in the results", async () => {
    const { m, id } = experimentManifest({ goal: "purchase" });
    await publish(env.CONTENT, m);
    const o = origin();
    const { cookie, id: vid } = await newVisitor(o);
    const sent = await beacon({ events: [{ id: eventId(), type: "conversion", goal: "purchase", value: 1e9 }] }, cookie);
    const answer = JSON.parse(sent.body) as Answer;
    expect(answer.results[0]!.notes).toEqual([{ code: "VALUE_CAPPED", message: expect.stringContaining("recorded as 100000") }]);
    expect((await storedEvents(`vid:${vid}`)).find((e) => e.type === "conversion")?.data.value).toBe(100_000);
    await flush(id);
    const r = await report(id);
    const arm = r.arms.find((a) => a.rate.converted === 1)!;
    expect(arm.value!.mean! * arm.rate.units).toBeCloseTo(100_000, 6);

    // The cap is the site owner's: EVENT_VALUE_CAP=500.
    const other = await newVisitor(o);
    const small = await beacon({ events: [{ id: eventId(), type: "cart", action: "add", sku: "x", price: 1e9 }] }, other.cookie, {}, { EVENT_VALUE_CAP: "500" });
    expect((JSON.parse(small.body) as Answer).results[0]!.notes?.[0]?.code).toBe("VALUE_CAPPED");
    expect((await storedEvents(`vid:${other.id}`)).find((e) => e.type === "cart")?.data.price).toBe(500);
  });

  it("an experiment without a declared goal reports no winner, whatever converts", async () => {
    const { m, id } = experimentManifest({ goals: ["signup"] });
    await publish(env.CONTENT, m);
    const o = origin();
    for (let i = 0; i < 12; i++) {
      const { cookie } = await newVisitor(o);
      // Half the visitors "convert" on a declared goal: still nothing to judge the experiment on.
      if (i % 2 === 0) expect((await beacon({ events: [{ id: eventId(), type: "conversion", goal: "signup" }] }, cookie)).res.status).toBe(200);
    }
    await flush(id);
    const r = await report(id);
    expect(r.goal).toBeNull();
    expect(r.judged).toBe(false);
    expect(r.arms.every((a) => a.vsControl === undefined)).toBe(true);
    expect(r.holdoutUplift).toBeNull();
    expect(r.arms.reduce((n, a) => n + a.rate.units, 0)).toBe(12);
    const list = await admin("GET", "/experiments");
    expect((list.json.experiments as Array<{ id: string; goal: string | null }>).find((x) => x.id === id)?.goal).toBeNull();
  });

  it("a bandit without a declared goal is refused at publish", async () => {
    const { m } = experimentManifest({ bandit: true });
    const { res, json } = await admin("POST", "/publish", { manifest: m });
    expect(res.status).toBe(422);
    expect(json.error?.message).toMatch(/a bandit optimizes a goal/);
    expect((json.error?.path as unknown[]).at(-1)).toBe("bandit");
  });
});
