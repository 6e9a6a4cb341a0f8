// What `npm run bench` prints: the JSON rows with the decide figure as one more row
// (issue 17), the text table with the edge's and the objects' CPU, state reads and legend.
import { describe, expect, it } from "vitest";
import { decideLine, decideRow, parseDecideOutput, type DecideOutcome } from "../../../bench/lib/decide.ts";
import { jsonReport, textReport, type TextReport } from "../../../bench/lib/output.ts";
import { stateSummary, summarize, type RoundSample } from "../../../bench/lib/report.ts";

const sample = (round: number, scenario: string, rps: number, extra: Partial<RoundSample> = {}): RoundSample => ({
  round, scenario, rps, p50Ms: 2, p99Ms: 9, ttfbMs: 0.5, ttlbMs: 1, cpuMs: 0.3, bytesPerReq: 2048, errors: 0, requests: rps * 10, ...extra,
});
const rows = summarize(
  [
    sample(1, "passthrough", 1000),
    sample(1, "p13n-with-state", 400, { doCpuMs: 1.2, doCalls: 2, states: { hit: 30 } }),
    sample(1, "p13n-with-state-far", 300, { ttfbMs: 27, doCpuMs: 1.1, doCalls: 2, states: { timeout: 30 }, loadStates: { timeout: 2900, hit: 100 } }),
  ],
  ["passthrough", "p13n-with-state", "p13n-with-state-far"],
  "passthrough",
);
const figure = { decisionsPerSecond: 4321.4, slots: 50, variants: 20, slotDecisionsPerSecond: 216070 };
const decided: DecideOutcome = { ok: true, figure };

describe("jsonReport", () => {
  it("prints the rows, then the decide figure as a row", () => {
    const out = JSON.parse(jsonReport(rows, decided)) as Record<string, unknown>[];
    expect(out.map((r) => r.scenario)).toEqual(["passthrough", "p13n-with-state", "p13n-with-state-far", "decide"]);
    expect(out.at(-1)).toEqual({ scenario: "decide", decisions_per_s: 4321 });
    expect(out[1]).toMatchObject({ cpu_ms: 0.3, do_cpu_ms: 1.2, do_calls: 2, state: "hit" });
    expect(out[0]).toMatchObject({ do_cpu_ms: null, do_calls: null, state: null, state_load: null });
    expect(out[2]).toMatchObject({ state: "timeout", state_load: "timeout 96%" });
  });

  it("has no decide row when the micro-benchmark did not run or failed", () => {
    expect((JSON.parse(jsonReport(rows, null)) as unknown[]).length).toBe(3);
    expect((JSON.parse(jsonReport(rows, { ok: false, problem: "x" })) as unknown[]).length).toBe(3);
  });
});

describe("decide figure", () => {
  it("is read from the child's marked line", () => {
    expect(parseDecideOutput('noise\nBENCH_DECIDE {"decisionsPerSecond":5000,"slots":50,"variants":20}\n')).toEqual({
      ok: true,
      figure: { decisionsPerSecond: 5000, slots: 50, variants: 20 },
    });
    expect(parseDecideOutput("nothing")).toMatchObject({ ok: false, problem: expect.stringMatching(/no result/) });
    expect(parseDecideOutput('BENCH_DECIDE {"slots":50}')).toMatchObject({ ok: false });
  });

  it("prints as a line and as a row", () => {
    expect(decideLine(decided)).toBe(
      "decide (bench/decide-bench.ts): 4,321 decisions/s (50 slots × 20 variants per decision, 216,070 slot decisions/s; pure engine in Node, no I/O)",
    );
    expect(decideLine({ ok: false, problem: "it broke" })).toBe("decide: it broke");
    expect(decideRow(decided)).toEqual({ scenario: "decide", decisions_per_s: 4321 });
    expect(decideRow({ ok: false, problem: "x" })).toBeNull();
  });

  it("carries the spread-clock figure next to the real-clock one when the micro-benchmark measured both", () => {
    const both: DecideOutcome = { ok: true, figure: { ...figure, spreadClockDecisionsPerSecond: 3210.6 } };
    expect(decideRow(both)).toEqual({ scenario: "decide", decisions_per_s: 4321, decisions_per_s_spread_clock: 3211 });
    expect(decideLine(both)).toBe(
      "decide (bench/decide-bench.ts): 4,321 decisions/s (50 slots × 20 variants per decision, 216,070 slot decisions/s; pure engine in Node, no I/O; 3,211 decisions/s with the clock spread over six hours)",
    );
    expect((JSON.parse(jsonReport(rows, both)) as Record<string, unknown>[]).at(-1)).toEqual({ scenario: "decide", decisions_per_s: 4321, decisions_per_s_spread_clock: 3211 });
  });
});

describe("stateSummary", () => {
  it("names the most common status over all rounds, with its share when not all", () => {
    expect(stateSummary([{ hit: 10 }, { hit: 20 }])).toBe("hit");
    expect(stateSummary([{ hit: 28, timeout: 1 }, { timeout: 1 }])).toBe("hit 93%");
    expect(stateSummary([undefined, {}])).toBeNull();
  });
});

describe("textReport", () => {
  const report: TextReport = {
    workerdVersion: "workerd 2026-10-23",
    loadTool: "wrk",
    opts: { connections: 10, rounds: 1, seconds: 10, warmup: 2, ttfbSamples: 30 },
    manifestSource: "bench",
    manifestSlots: ["hero"],
    slotIds: ["hero", "footer"],
    reference: "passthrough",
    rows,
    objectRtts: { "p13n-with-state-far": 50 },
    decide: decided,
    held: null,
    pages: [{ name: "heise", file: "heise.html", bytes: 2048, utf8: true, charset: "utf-8", slots: ["hero:div"] }],
    sanity: { passthrough: { slotsFilled: 0, perPage: [{ page: "heise", status: 200, bytes: 2048, filled: 0, identical: true }] } },
    tookS: 12,
  };
  const text = textReport(report);

  it("prints the table with the objects' CPU, their calls and the state reads", () => {
    const lines = text.split("\n");
    const header = lines.find((l) => l.startsWith("scenario"))!;
    expect(header).toMatch(/CPU ms\/req\s+DO CPU ms\s+DO calls/);
    expect(header).toMatch(/state/);
    expect(lines.find((l) => l.startsWith("p13n-with-state-far"))).toMatch(/1\.100\s+2\.00.*timeout\s+timeout 96%/);
    expect(header).toMatch(/state\s+state@load/);
  });

  it("says which scenarios reached far objects, and prints the decide line and the pages", () => {
    expect(text).toContain("round trip 0 ms; p13n-with-state-far 50 ms");
    expect(text).toContain(decideLine(decided));
    expect(text).toMatch(/heise\s+2 KB\s+utf-8\s+slots on div\s+filled 0/);
    expect(text).toContain("footer without content in the manifest");
  });
});
