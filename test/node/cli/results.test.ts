// `p13n results`: the experiments list and one experiment's table, from the admin API through a replaced cli/io.ts.
import { describe, expect, it } from "vitest";
import { runCli } from "../../../cli/run.ts";
import { experimentReport, listExperiments } from "../../../src/results/report.ts";
import { delta, type StoredRow } from "../../../src/results/tally.ts";
import { httpIo, REMOTE } from "./helpers.ts";

const row = (arm: string, goal: string, part: Partial<StoredRow>): StoredRow => ({ experiment: "hero-test", arm, goal, day: "2026-11-23", ...delta({}), ...part });
const ROWS: StoredRow[] = [
  row("control", "", { unitsExposed: 5000, expectedUnits: 5000, impressions: 7000 }),
  row("bold", "", { unitsExposed: 5000, expectedUnits: 5000, impressions: 7100 }),
  row("control", "purchase", { unitsConverted: 250, conversions: 260 }),
  row("bold", "purchase", { unitsConverted: 300, conversions: 320 }),
];

describe("p13n results", () => {
  it("lists experiments with units per arm and the SRM check", async () => {
    const io = httpIo(() => ({ body: { experiments: listExperiments(ROWS, null) } }));
    expect(await runCli(["results", ...REMOTE], { io, cwd: "/" })).toBe(0);
    expect(io.sent[0]).toMatchObject({ method: "GET", url: "https://shop.example/__p13n/admin/experiments", headers: { authorization: "Bearer t0ken" } });
    const lines = io.out.join("\n").split("\n");
    expect(lines[0]).toMatch(/^experiment\s+status\s+goal\s+units per arm\s+SRM$/);
    // An archived experiment declares no goal any more: none is taken from the data.
    expect(lines[1]).toMatch(/^hero-test\s+archived\s+—\s+control 5000, bold 5000\s+ok$/);
  });

  it("prints one experiment's table: SRM first, then rate, interval, lift, p-value, probability to beat control", async () => {
    // What the API answers to ?goal=purchase.
    const report = experimentReport("hero-test", ROWS, [], null, { goal: "purchase" });
    const io = httpIo(() => ({ body: report }));
    expect(await runCli(["results", "hero-test", "--goal", "purchase", ...REMOTE], { io, cwd: "/" })).toBe(0);
    expect(io.sent[0]!.url).toBe("https://shop.example/__p13n/admin/experiments/hero-test/results?goal=purchase");
    const text = io.out.join("\n");
    const lines = text.split("\n");
    expect(lines[1]).toBe("sample ratio: ok (p = 1.0000)");
    expect(text).toMatch(/control \(control\)\s+5000\s+250\s+5\.00%\s+\[4\.43%, 5\.64%\]/);
    // The pure half's reference: lift 0.2, p 0.0283…, P(beats control) 0.9858…
    expect(text).toMatch(/bold\s+5000\s+300\s+6\.00%\s+\[5\.37%, 6\.69%\]\s+\+20\.0%\s+\[\+1\.9%, \+41\.3%\]\s+0\.0283\s+98\.6%/);
    expect(text).toContain("personalization vs global holdout: no global holdout data");
  });

  it("flags a sample ratio mismatch before any lift", async () => {
    const skewed = ROWS.map((r) => (r.arm === "control" && r.goal === "" ? { ...r, unitsExposed: 5400 } : r));
    const io = httpIo(() => ({ body: experimentReport("hero-test", skewed, [], null) }));
    await runCli(["results", "hero-test", ...REMOTE], { io, cwd: "/" });
    expect(io.out.join("\n").split("\n")[1]).toMatch(/^⚠ SAMPLE RATIO MISMATCH \(p < 0\.0001, below 0\.001\)/);
  });

  it("reports the API's refusal with its code", async () => {
    const io = httpIo(() => ({ status: 404, body: { error: { code: "EXPERIMENT_NOT_FOUND", message: "no experiment nope" } } }));
    expect(await runCli(["results", "nope", ...REMOTE], { io, cwd: "/" })).toBe(1);
    expect(io.err.join("\n")).toContain("EXPERIMENT_NOT_FOUND");
  });
});
