// withinBudget (src/timing.ts): the time box every I/O edge goes through. Work already settled
// answers without a timer; pending work races one, cleared after; a rejection is an error.
import { afterEach, describe, expect, it, vi } from "vitest";
import { withinBudget } from "../../src/timing.ts";

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe("withinBudget", () => {
  it("settled work answers with no timer set", async () => {
    const set = vi.spyOn(globalThis, "setTimeout");
    const r = await withinBudget(Promise.resolve("page"), 20);
    expect(r).toMatchObject({ ok: true, value: "page" });
    const failed = await withinBudget(Promise.reject(new Error("boom")), 20);
    expect(failed).toMatchObject({ ok: false, reason: "error" });
    expect(set).not.toHaveBeenCalled();
  });

  it("work settling later races a timer, which is cleared when the work wins", async () => {
    vi.useFakeTimers();
    const clear = vi.spyOn(globalThis, "clearTimeout");
    let answer: (v: string) => void = () => {};
    const pending = withinBudget(new Promise<string>((resolve) => (answer = resolve)), 50);
    await vi.advanceTimersByTimeAsync(10);
    answer("late but in time");
    expect(await pending).toMatchObject({ ok: true, value: "late but in time" });
    expect(clear).toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);
  });

  it("work that never settles times out at the budget", async () => {
    vi.useFakeTimers();
    const pending = withinBudget(new Promise<string>(() => {}), 50);
    await vi.advanceTimersByTimeAsync(50);
    const r = await pending;
    expect(r).toMatchObject({ ok: false, reason: "timeout" });
    expect(vi.getTimerCount()).toBe(0);
  });

  it("a value that happens to be settled after a microtask still counts as pending work (timer path, same answer)", async () => {
    const set = vi.spyOn(globalThis, "setTimeout");
    const r = await withinBudget(Promise.resolve().then(() => "two hops"), 20);
    expect(r).toMatchObject({ ok: true, value: "two hops" });
    expect(set).toHaveBeenCalledTimes(1);
  });
});
