/**
 * First-page exposure (the survivorship bias issue 12 item 4 introduced): a new visitor's first
 * page is not remembered, so its exposures travel signed with the client script tag, and the
 * script's first beacon — which brings back the cookie that page set — makes the visitor a unit
 * in the arm they were shown, before any second page. A visitor who sees one page and leaves is
 * counted; a conversion sent from that page counts in that arm. A client cannot forge an arm, an
 * experiment or another visitor's token, and nothing counts twice with the second page's record.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { invalidateManifest } from "../../src/content/manifest-store.ts";
import { decide } from "../../src/engine/decide.ts";
import type { Manifest } from "../../src/engine/types.ts";
import { invalidateAllocation } from "../../src/results-store/allocation-store.ts";
import type { ExperimentReport } from "../../src/results/report.ts";
import { admin } from "../fixtures/admin.ts";
import { call, type Called } from "../fixtures/call.ts";
import { promoExperiment, publish } from "../fixtures/manifest.ts";
import { fixtureOrigin, html } from "../fixtures/origin.ts";
import { beacon, eventId, issuedVisitor, NAVIGATION, visitorObject } from "../fixtures/visitor.ts";

const BROWSER = { ...NAVIGATION, "user-agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0" };
const PAGE = '<!doctype html><html><body><aside data-p13n-slot="promo">Default promo</aside><p>rest</p></body></html>';
const NO_SLOT = "<!doctype html><html><body><p>no slots here</p></body></html>";

function experiment(): { m: Manifest; id: string } {
  const id = `first-${crypto.randomUUID().slice(0, 8)}`;
  const m = promoExperiment(id, { version: `first-${id}`, salt: `salt-${id}`, holdout: 0.2, goal: "purchase", goals: ["purchase"] });
  return { m, id };
}

/** The arm the engine assigns this visitor (the truth the results must show). */
function assigned(m: Manifest, unitId: string, id: string): string {
  const r = decide({ manifest: m, profile: null, context: { path: "/", query: {}, utm: {}, device: "desktop", gpc: false }, snapshot: null, unitId, consent: { personalize: true, track: true }, now: Date.now() });
  const d = r.decisions.find((x) => x.slot === "promo");
  if (d?.experiment?.id !== id) throw new Error("visitor not in the experiment");
  return d.experiment.arm;
}

const origin = () => fixtureOrigin({ "/": () => html(PAGE), "/shared": () => html(PAGE, { "cache-control": "public, max-age=60" }), "/about": () => html(NO_SLOT) });

/** A new visitor's first page: their cookie, id and the page's exposure token (null when none). */
async function firstPage(o = origin(), path = "/"): Promise<{ cookie: string; vid: string; token: string | null; page: Called }> {
  const page = await call(o.fetch, path, { headers: BROWSER });
  const issued = issuedVisitor(page.res);
  if (!issued) throw new Error("no visitor id issued");
  return { cookie: issued.cookie, vid: issued.id, token: /data-p13n-x="([^"]+)"/.exec(page.body)?.[1] ?? null, page };
}

async function report(id: string, vids: string[]): Promise<ExperimentReport> {
  for (const vid of vids) await runDurableObjectAlarm(visitorObject(`vid:${vid}`));
  await runDurableObjectAlarm(env.EXPERIMENT_COUNTER.get(env.EXPERIMENT_COUNTER.idFromName(id)));
  const { res, json } = await admin("GET", `/experiments/${id}/results`);
  expect(res.status).toBe(200);
  return json as unknown as ExperimentReport;
}

const unitsOf = (r: ExperimentReport, arm: string) => (arm === "holdout" ? (r.holdout?.units ?? 0) : (r.arms.find((a) => a.id === arm)?.rate.units ?? 0));
const units = (vid: string) =>
  runInDurableObject(visitorObject(`vid:${vid}`), (_o, state) =>
    state.storage.sql.exec("SELECT 1 FROM sqlite_master WHERE name = 'xp_units'").toArray().length === 0
      ? []
      : state.storage.sql.exec<{ experiment: string; arm: string }>("SELECT experiment, arm FROM xp_units").toArray(),
  );
const answerOf = (got: Called) => JSON.parse(got.body) as { exposure?: { status: string; code?: string }; error?: { code: string } };

let current: { m: Manifest; id: string };
beforeEach(async () => {
  current = experiment();
  invalidateManifest(env.CONTENT);
  invalidateAllocation(env.CONTENT);
  await publish(env.CONTENT, current.m);
});
afterEach(() => {
  vi.useRealTimers();
});

describe("a visitor who sees one page and leaves", () => {
  it("is a unit in the arm they were shown once the first page's beacon arrives, whatever the arm (12 visitors)", async () => {
    const { m, id } = current;
    const o = origin();
    const want: Record<string, number> = {};
    const vids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const { cookie, vid, token, page } = await firstPage(o);
      expect(token, "the first page carries its exposures").not.toBeNull();
      const arm = assigned(m, vid, id);
      // What the page showed is what the token says: the treatment's slot is tagged, control and holdout show the default.
      expect(page.body.includes(`data-p13n-experiment="${id}:bold"`)).toBe(arm === "bold");
      const sent = await beacon({ v: 1, page: { path: "/" }, x: token, events: [] }, cookie);
      expect(sent.res.status).toBe(200);
      expect(answerOf(sent).exposure).toEqual({ status: "accepted" });
      want[arm] = (want[arm] ?? 0) + 1;
      vids.push(vid);
    }
    const r = await report(id, vids);
    for (const arm of ["control", "bold", "holdout"]) expect(unitsOf(r, arm), arm).toBe(want[arm] ?? 0);
  });

  it("a conversion sent from the first page counts in that arm (it no longer counts with no exposure)", async () => {
    const { m, id } = current;
    let found: { cookie: string; vid: string; token: string | null } | null = null;
    // A visitor in an arm (not the holdout), so the conversion has a lift to count towards.
    while (!found) {
      const v = await firstPage();
      if (assigned(m, v.vid, id) !== "holdout") found = v;
    }
    const arm = assigned(m, found.vid, id);
    const sent = await beacon({ x: found.token, events: [{ id: eventId(), type: "conversion", goal: "purchase", value: 30 }] }, found.cookie);
    expect(sent.res.status).toBe(200);
    expect(answerOf(sent).exposure).toEqual({ status: "accepted" });
    const r = await report(id, [found.vid]);
    const a = r.arms.find((x) => x.id === arm)!;
    expect(a.rate.units).toBe(1);
    expect(a.rate.converted).toBe(1);
  });

  it("a first page spliced from a page template carries its token too", async () => {
    const o = origin();
    // Two sightings make the page a template; the next new visitor's page is spliced from it.
    await call(o.fetch, "/shared", { headers: { "sec-gpc": "1" } });
    await call(o.fetch, "/shared", { headers: { "sec-gpc": "1" } });
    const { cookie, vid, token, page } = await firstPage(o, "/shared");
    expect(page.res.headers.get("server-timing")).toMatch(/template;[^,]*desc="hit"/);
    expect(token).not.toBeNull();
    expect(answerOf(await beacon({ x: token, events: [] }, cookie)).exposure).toEqual({ status: "accepted" });
    expect(await units(vid)).toEqual([{ experiment: current.id, arm: assigned(current.m, vid, current.id) }]);
  });
});

describe("what a client cannot do with a token", () => {
  it("claim another arm: the arm swapped (MAC kept) is refused, nothing recorded", async () => {
    const { m, id } = current;
    const { cookie, vid, token } = await firstPage();
    const arm = assigned(m, vid, id);
    const other = arm === "bold" ? "control" : "bold";
    const forged = token!.replace(`${id}~${arm}~`, `${id}~${other}~`);
    expect(forged).not.toBe(token);
    const sent = await beacon({ x: forged, events: [] }, cookie);
    expect(sent.res.status).toBe(400);
    expect(answerOf(sent).exposure).toMatchObject({ status: "refused", code: "EXPOSURE_INVALID" });
    expect(await units(vid)).toEqual([]);
    // With a valid event beside it, the event is kept and the exposure still refused.
    const mixed = await beacon({ x: forged, events: [{ id: eventId(), type: "click", slot: "promo" }] }, cookie);
    expect(mixed.res.status).toBe(200);
    expect(answerOf(mixed).exposure).toMatchObject({ status: "refused", code: "EXPOSURE_INVALID" });
    expect(await units(vid)).toEqual([]);
  });

  it("use another visitor's token, or change its time: refused", async () => {
    const a = await firstPage();
    const b = await firstPage();
    expect(answerOf(await beacon({ x: a.token, events: [] }, b.cookie)).exposure).toMatchObject({ status: "refused", code: "EXPOSURE_INVALID" });
    const [issued, ...rest] = a.token!.split("!");
    const shifted = [(parseInt(issued!, 36) - 1).toString(36), ...rest].join("!");
    expect(answerOf(await beacon({ x: shifted, events: [] }, a.cookie)).exposure).toMatchObject({ status: "refused", code: "EXPOSURE_INVALID" });
    expect(await units(b.vid)).toEqual([]);
    expect(await units(a.vid)).toEqual([]);
  });

  it("claim an experiment whose slot was not on the page: such a page carries no token at all", async () => {
    const { token } = await firstPage(origin(), "/about");
    expect(token).toBeNull();
  });

  it("send it a day later: refused as expired (the clock moved, not slept)", async () => {
    const { cookie, token } = await firstPage();
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + 25 * 3_600_000);
    expect(answerOf(await beacon({ x: token, events: [] }, cookie)).exposure).toMatchObject({ status: "refused", code: "EXPOSURE_EXPIRED" });
  });

  it("send it without our cookie: 401, nothing created", async () => {
    const { token } = await firstPage();
    expect((await beacon({ x: token, events: [] }, null)).res.status).toBe(401);
  });

  it("send something that is not a token, or a huge one: refused, never an error", async () => {
    const { cookie } = await firstPage();
    expect(answerOf(await beacon({ x: "<script>alert(1)</script>", events: [] }, cookie)).exposure).toMatchObject({ status: "refused", code: "EXPOSURE_INVALID" });
    expect((await beacon({ x: "a".repeat(5000), events: [] }, cookie)).res.status).toBe(400);
  });
});

describe("counted once, with the page views", () => {
  it("the token, the second page, the token again: one unit, two impressions (pages 1 and 2)", async () => {
    const { m, id } = current;
    const o = origin();
    const { cookie, vid, token } = await firstPage(o);
    const arm = assigned(m, vid, id);
    expect(answerOf(await beacon({ x: token, events: [] }, cookie)).exposure).toEqual({ status: "accepted" });
    // The second page is remembered (the cookie came back): it records its own exposure, and carries no token.
    const second = await call(o.fetch, "/", { headers: { ...BROWSER, cookie } });
    expect(second.body).not.toContain("data-p13n-x");
    expect(answerOf(await beacon({ x: token, events: [] }, cookie)).exposure).toEqual({ status: "duplicate" });
    const r = await report(id, [vid]);
    expect(unitsOf(r, arm)).toBe(1);
    if (arm !== "holdout") expect(r.arms.find((a) => a.id === arm)!.impressions).toBe(2);
  });

  it("the second page before the token (the beacon was slow): still one unit", async () => {
    const { m, id } = current;
    const o = origin();
    const { cookie, vid, token } = await firstPage(o);
    await call(o.fetch, "/", { headers: { ...BROWSER, cookie } });
    expect(answerOf(await beacon({ x: token, events: [] }, cookie)).exposure).toEqual({ status: "accepted" });
    const r = await report(id, [vid]);
    expect(unitsOf(r, assigned(m, vid, id))).toBe(1);
    expect(r.arms.reduce((n, a) => n + a.rate.units, 0) + (r.holdout?.units ?? 0)).toBe(1);
  });
});
