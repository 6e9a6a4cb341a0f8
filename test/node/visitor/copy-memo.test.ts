/**
 * The isolate's memo of visitors' memory copies (src/visitor/copy-memo.ts): bounded in entries
 * and in bytes (least recently used go first), never replaced by an older answer, never answering
 * under another secret, forgotten on drop.
 */
import { describe, expect, it } from "vitest";
import { CopyMemo, type Versioned } from "../../../src/visitor/copy-memo.ts";

const copy = (version: number, gen = "g1", at = 1000 + version): Versioned & { memory: object } => ({ gen, version, at, memory: {} });

describe("CopyMemo", () => {
  it("holds at most its entries and its bytes, the least recently used going first", () => {
    const memo = new CopyMemo<Versioned>(3, 1_000);
    for (const n of ["a", "b", "c"]) memo.keep("s", n, copy(1), 100);
    memo.get("s", "a"); // a is now the most recently used
    memo.keep("s", "d", copy(1), 100);
    expect(memo.get("s", "b")).toBeUndefined();
    expect(memo.get("s", "a")).toBeDefined();
    expect(memo.size).toEqual({ entries: 3, bytes: 300 });
    memo.keep("s", "e", copy(1), 800);
    expect(memo.size.bytes).toBeLessThanOrEqual(1_000);
    expect(memo.get("s", "e")).toBeDefined();
    // Larger than the whole bound: not held (the caller still writes the colo's copy).
    expect(memo.keep("s", "f", copy(1), 2_000)).toBe(true);
    expect(memo.get("s", "f")).toBeUndefined();
    expect(memo.size.bytes).toBeLessThanOrEqual(1_000);
  });

  it("an older answer (same generation, lower counter) never replaces a newer one; a new generation does", () => {
    const memo = new CopyMemo<Versioned>();
    memo.keep("s", "v", copy(5), 10);
    expect(memo.keep("s", "v", copy(4), 10)).toBe(false);
    expect(memo.get("s", "v")!.version).toBe(5);
    expect(memo.keep("s", "v", copy(1, "g2", 9_999), 10)).toBe(true);
    expect(memo.get("s", "v")!.gen).toBe("g2");
  });

  it("answers only under the secret it was kept with, and forgets on drop", () => {
    const memo = new CopyMemo<Versioned>();
    memo.keep("s1", "v", copy(1), 10);
    expect(memo.get("s2", "v")).toBeUndefined();
    memo.drop("v");
    expect(memo.get("s1", "v")).toBeUndefined();
    expect(memo.size).toEqual({ entries: 0, bytes: 0 });
  });

  it("makes a visitor's key once", async () => {
    const memo = new CopyMemo<Versioned>();
    let made = 0;
    const make = async () => `k${++made}`;
    expect(await memo.key("s", "v", make)).toBe("k1");
    expect(await memo.key("s", "v", make)).toBe("k1");
    expect(await memo.key("t", "v", make)).toBe("k2");
  });
});
