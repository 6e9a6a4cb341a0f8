/**
 * The one held-value helper (src/held-value.ts) behind the manifest, the bandit's allocation and
 * a remote JWKS, in plain Node on an injected clock: time is the `now` each read passes; nothing
 * here sleeps. A load that never settles is the only thing left to a timer (the hard cap).
 */
import { describe, expect, it } from "vitest";
import { HeldValue } from "../../src/held-value.ts";

/** A load the test settles by hand, counting calls. */
function manualLoads<T>() {
  const calls: Array<{ resolve: (v: T) => void; reject: (e: unknown) => void }> = [];
  const load = () => new Promise<T>((resolve, reject) => calls.push({ resolve, reject }));
  return { load, calls };
}

/** Collects what a read hands to waitUntil, so the test can wait for background loads. */
function background() {
  const pending: Array<Promise<unknown>> = [];
  return { waitUntil: (p: Promise<unknown>) => void pending.push(p), settled: () => Promise.all(pending.splice(0)) };
}

const TTL = 30_000;
const CAP = 60_000;

describe("HeldValue", () => {
  it("a cold read waits for the load; then hits until the TTL, on the caller's clock", async () => {
    const { load, calls } = manualLoads<string>();
    const held = new HeldValue({ load, retryAfterMs: 5_000 });
    const cold = held.read({ now: 1_000, ttlMs: TTL, budgetMs: 50, hardCapMs: CAP });
    calls[0]!.resolve("v1");
    expect(await cold).toMatchObject({ value: "v1", source: "miss" });
    expect(await held.read({ now: 1_000 + TTL - 1, ttlMs: TTL, hardCapMs: CAP })).toEqual({ value: "v1", source: "hit", ms: 0 });
    expect(calls).toHaveLength(1);
  });

  it("past the TTL: the held value at once, one background load shared by every reader, then the new value", async () => {
    const { load, calls } = manualLoads<string>();
    const held = new HeldValue({ load, retryAfterMs: 5_000 });
    const bg = background();
    const first = held.read({ now: 0, ttlMs: TTL, hardCapMs: CAP });
    calls[0]!.resolve("v1");
    await first;
    for (let i = 0; i < 5; i++) {
      expect(await held.read({ now: TTL + i, ttlMs: TTL, hardCapMs: CAP, waitUntil: bg.waitUntil })).toMatchObject({ value: "v1", source: "stale" });
    }
    expect(calls).toHaveLength(2);
    calls[1]!.resolve("v2");
    await bg.settled();
    expect(await held.read({ now: TTL + 10, ttlMs: TTL, hardCapMs: CAP })).toMatchObject({ value: "v2", source: "hit" });
  });

  it("a failed load keeps the last good value, reports the error, and is not retried before retryAfterMs", async () => {
    const { load, calls } = manualLoads<string>();
    const errors: unknown[] = [];
    const held = new HeldValue({ load, retryAfterMs: 5_000, onError: (e) => errors.push(e) });
    const bg = background();
    const first = held.read({ now: 0, ttlMs: TTL, hardCapMs: CAP });
    calls[0]!.resolve("good");
    await first;
    await held.read({ now: TTL, ttlMs: TTL, hardCapMs: CAP, waitUntil: bg.waitUntil });
    calls[1]!.reject(new Error("KV 503"));
    await bg.settled();
    expect(errors).toHaveLength(1);
    expect(await held.read({ now: TTL + 5_000, ttlMs: TTL, hardCapMs: CAP, waitUntil: bg.waitUntil })).toMatchObject({ value: "good", source: "stale" });
    expect(calls).toHaveLength(2); // within the retry delay: not asked again
    await held.read({ now: TTL + 5_001, ttlMs: TTL, hardCapMs: CAP, waitUntil: bg.waitUntil });
    expect(calls).toHaveLength(3); // past it: asked again
  });

  it("a cold read past its budget says timeout; a cold failure is a miss with nothing held", async () => {
    const { load, calls } = manualLoads<string>();
    const held = new HeldValue({ load, retryAfterMs: 5_000 });
    expect(await held.read({ now: 0, ttlMs: TTL, budgetMs: 1, hardCapMs: CAP })).toMatchObject({ value: undefined, source: "timeout" });
    calls[0]!.reject(new Error("down"));
    await Promise.resolve();
    const other = new HeldValue({ load: () => Promise.reject(new Error("down")), retryAfterMs: 5_000 });
    expect(await other.read({ now: 0, ttlMs: TTL, budgetMs: 50, hardCapMs: CAP })).toMatchObject({ value: undefined, source: "miss" });
    // And within the retry delay nothing is asked: the caller gets nothing at once.
    expect(await other.read({ now: 1, ttlMs: TTL, budgetMs: 50, hardCapMs: CAP })).toMatchObject({ value: undefined, source: "stale", ms: 0 });
  });

  it("a hung load is abandoned at the hard cap, so the next refresh can start", async () => {
    let calls = 0;
    const held = new HeldValue<string>({
      load: () => (++calls === 1 ? Promise.resolve("v1") : new Promise<string>(() => {})),
      retryAfterMs: 0,
    });
    await held.read({ now: 0, ttlMs: TTL, hardCapMs: 5 });
    const bg = background();
    await held.read({ now: TTL, ttlMs: TTL, hardCapMs: 5, waitUntil: bg.waitUntil });
    await bg.settled(); // settles only because the cap gave up on the hung load
    await held.read({ now: TTL + 1, ttlMs: TTL, hardCapMs: 5, waitUntil: bg.waitUntil });
    expect(calls).toBe(3);
    expect(held.value).toBe("v1");
  });

  it("renew: at most one load per interval, counted from the last start, shared while it runs", async () => {
    const { load, calls } = manualLoads<string>();
    const held = new HeldValue({ load, retryAfterMs: 30_000 });
    const first = held.read({ now: 0, ttlMs: 600_000, hardCapMs: CAP });
    calls[0]!.resolve("k1");
    await first;
    expect(held.renew({ now: 30_000, minIntervalMs: 60_000, hardCapMs: CAP })).toBeNull();
    const a = held.renew({ now: 60_000, minIntervalMs: 60_000, hardCapMs: CAP });
    const b = held.renew({ now: 60_001, minIntervalMs: 60_000, hardCapMs: CAP });
    expect(a).not.toBeNull();
    expect(b).toBe(a);
    expect(calls).toHaveLength(2);
    calls[1]!.resolve("k2");
    await a;
    expect(held.value).toBe("k2");
    expect(held.renew({ now: 90_000, minIntervalMs: 60_000, hardCapMs: CAP })).toBeNull();
    expect(held.renew({ now: 120_000, minIntervalMs: 60_000, hardCapMs: CAP })).not.toBeNull();
  });
});
