// Timing: local time across zones, schedules, dayparts (midnight wrap), weekdays, through decide().
import { describe, expect, it } from "vitest";
import { localTime, inHours, checkSchedule, compileSchedule } from "../../../src/engine/timing.ts";
import { decide } from "../../../src/engine/decide.ts";
import { context, input, manifest, variant } from "./fixtures.ts";

describe("localTime", () => {
  const rows: [string, string | undefined, { hour: number; weekday: string; date: string }][] = [
    ["2026-03-04T12:00:00Z", undefined, { hour: 12, weekday: "wed", date: "2026-03-04" }],
    ["2026-03-04T12:00:00Z", "UTC", { hour: 12, weekday: "wed", date: "2026-03-04" }],
    ["2026-03-02T23:30:00Z", "Europe/Berlin", { hour: 0, weekday: "tue", date: "2026-03-03" }],
    ["2026-03-03T02:00:00Z", "America/New_York", { hour: 21, weekday: "mon", date: "2026-03-02" }],
    ["2026-03-04T12:00:00Z", "Asia/Kolkata", { hour: 17, weekday: "wed", date: "2026-03-04" }],
    ["2026-03-04T12:00:00Z", "Pacific/Kiritimati", { hour: 2, weekday: "thu", date: "2026-03-05" }],
    // Summer time: Berlin is UTC+2 in July.
    ["2026-07-01T20:00:00Z", "Europe/Berlin", { hour: 22, weekday: "wed", date: "2026-07-01" }],
    ["2026-03-04T12:00:00Z", "Not/AZone", { hour: 12, weekday: "wed", date: "2026-03-04" }],
  ];
  for (const [iso, tz, want] of rows) it(`${iso} in ${tz ?? "(none)"}`, () => expect(localTime(Date.parse(iso), tz)).toEqual(want));

  it("survives more zones than the formatter cache holds", () => {
    const zones = Intl.supportedValuesOf("timeZone").slice(0, 150);
    for (const z of zones) expect(localTime(0, z).date).toMatch(/^19(69|70)-/);
    expect(localTime(Date.parse("2026-03-02T23:30:00Z"), "Europe/Berlin").hour).toBe(0);
  });
});

describe("inHours", () => {
  const rows: [number, [number, number], boolean][] = [
    [18, [18, 23], true],
    [22, [18, 23], true],
    [23, [18, 23], false],
    [17, [18, 23], false],
    [23, [22, 2], true],
    [0, [22, 2], true],
    [1, [22, 2], true],
    [2, [22, 2], false],
    [21, [22, 2], false],
    [0, [0, 24], true],
    [23, [0, 24], true],
    [5, [5, 5], false],
  ];
  for (const [h, range, want] of rows) it(`${h} in [${range}) → ${want}`, () => expect(inHours(h, range)).toBe(want));
});

describe("checkSchedule", () => {
  const s = compileSchedule({ start: "2026-03-01T00:00:00Z", end: "2026-03-08T00:00:00Z" });
  const local = () => ({ hour: 12, weekday: "wed", date: "x" });
  it("before start", () => expect(checkSchedule(s, Date.parse("2026-02-28T23:59:59Z"), local)).toMatchObject({ ok: false, reason: "schedule" }));
  it("at start (inclusive)", () => expect(checkSchedule(s, Date.parse("2026-03-01T00:00:00Z"), local)).toEqual({ ok: true }));
  it("at end (exclusive)", () => expect(checkSchedule(s, Date.parse("2026-03-08T00:00:00Z"), local)).toMatchObject({ ok: false, reason: "schedule" }));
  it("does not compute local time for a pure window", () => {
    let calls = 0;
    checkSchedule(s, Date.parse("2026-03-02T00:00:00Z"), () => (calls++, local()));
    expect(calls).toBe(0);
  });
  it("weekday filter", () => {
    expect(checkSchedule(compileSchedule({ days: ["sat", "sun"] }), 0, local)).toMatchObject({ ok: false, reason: "daypart", detail: "not shown on wed" });
    expect(checkSchedule(compileSchedule({ days: ["wed"] }), 0, local)).toEqual({ ok: true });
  });
});

describe("timing through decide()", () => {
  const variants = {
    evening: variant("evening", { schedule: { hours: [18, 23] } }),
    lateNight: variant("late-night", { schedule: { hours: [23, 2] } }),
    weekend: variant("weekend", { schedule: { days: ["sat", "sun"] } }),
    spring: variant("spring-sale", { schedule: { start: "2026-03-01T00:00:00Z", end: "2026-03-31T00:00:00Z" } }),
  };
  const at = (vs: (keyof typeof variants)[], iso: string, timezone?: string) => {
    const m = manifest({ slots: { banner: vs.map((k) => variants[k]) } });
    const d = decide(input(m, { now: Date.parse(iso), context: context(timezone ? { timezone } : {}) })).decisions[0]!;
    return { variant: d.variant, rejected: Object.fromEntries(d.rejected.map((r) => [r.variant, [r.reason, r.detail]])) };
  };

  it("evening banner at 19:30 in Berlin though it is 18:30 UTC", () => {
    expect(at(["evening"], "2026-02-10T18:30:00Z", "Europe/Berlin").variant).toBe("evening");
  });
  it("no evening banner at 18:30 UTC for a visitor in New York (13:30 local), with the reason", () => {
    const r = at(["evening", "spring"], "2026-02-10T18:30:00Z", "America/New_York");
    expect(r.variant).toBeNull();
    expect(r.rejected).toEqual({
      evening: ["daypart", "local hour 13 outside [18, 23)"],
      "spring-sale": ["schedule", "starts 2026-03-01T00:00:00.000Z"],
    });
  });
  it("late-night wraps past midnight in the visitor's zone", () => {
    expect(at(["lateNight"], "2026-02-10T23:30:00Z", "Europe/Berlin").variant).toBe("late-night"); // 00:30 local
    expect(at(["lateNight"], "2026-02-10T22:30:00Z", "Europe/Berlin").variant).toBe("late-night"); // 23:30 local
    expect(at(["lateNight"], "2026-02-11T01:30:00Z", "Europe/Berlin").variant).toBeNull(); // 02:30 local
    expect(at(["lateNight"], "2026-02-10T21:30:00Z", "Europe/Berlin").variant).toBeNull(); // 22:30 local
  });
  it("weekday is the local weekday: Saturday 05:00 in Tokyo is still Friday in UTC", () => {
    expect(at(["weekend"], "2026-02-13T20:00:00Z", "Asia/Tokyo").variant).toBe("weekend");
    expect(at(["weekend"], "2026-02-13T20:00:00Z").rejected).toEqual({ weekend: ["daypart", "not shown on fri"] });
  });
  it("absolute window: start inclusive, end exclusive", () => {
    expect(at(["spring"], "2026-03-01T00:00:00Z").variant).toBe("spring-sale");
    expect(at(["spring"], "2026-03-30T23:59:59Z").variant).toBe("spring-sale");
    expect(at(["spring"], "2026-03-31T00:00:00Z").rejected).toEqual({ "spring-sale": ["schedule", "ended 2026-03-31T00:00:00.000Z"] });
  });
});

describe("localTime reuse within a quarter hour", () => {
  // Reference: a fresh Intl formatter per call, never cached.
  const reference = (now: number, timeZone: string) => {
    const parts = Object.fromEntries(
      new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", weekday: "short" })
        .formatToParts(now)
        .map((p) => [p.type, p.value]),
    );
    return { hour: Number(parts.hour) % 24, weekday: parts.weekday!.toLowerCase(), date: `${parts.year}-${parts.month}-${parts.day}` };
  };

  it("agrees with a fresh formatter minute by minute, across midnight, a DST change and :30/:45 offsets", () => {
    // 2026-03-29 is the EU's spring change; Kolkata is +5:30, Kathmandu +5:45, Chatham +12:45/+13:45.
    const zones = ["Europe/Berlin", "Asia/Kolkata", "Asia/Kathmandu", "Pacific/Chatham", "America/St_Johns", "UTC"];
    const start = Date.parse("2026-03-28T22:00:00Z");
    for (let t = start; t < start + 30 * 3_600_000; t += 7 * 60_000 + 13_000) {
      for (const zone of zones) expect(localTime(t, zone), `${zone} at ${new Date(t).toISOString()}`).toEqual(reference(t, zone));
    }
  });

  it("a date whose zone offset was off the quarter hour (Monrovia, 1970) is still exact", () => {
    // Monrovia kept -0:44:30 until 1972: 23:31:00Z is 22:46:30 there, 23:44:40Z (the same UTC quarter) is 23:00:10.
    const t = Date.parse("1970-06-01T23:31:00Z");
    const later = Date.parse("1970-06-01T23:44:40Z");
    expect(localTime(t, "Africa/Monrovia")).toEqual(reference(t, "Africa/Monrovia"));
    expect(localTime(later, "Africa/Monrovia")).toEqual(reference(later, "Africa/Monrovia"));
    expect(localTime(later, "Africa/Monrovia").hour).toBe(23);
  });
});
