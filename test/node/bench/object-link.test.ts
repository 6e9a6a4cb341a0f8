// The link between the bench's edge and objects processes: a TCP proxy that holds each
// chunk for half a round trip, in order. The delay is tested on an injected clock (no
// sleeps, no timing thresholds); the proxy and its process through real loopback sockets.
import { once } from "node:events";
import { createConnection, createServer, type Server } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DelayedPipe, startDelayLink, type Timers } from "../../../bench/lib/delay-link.ts";
import { killAll } from "../../../bench/lib/procs.ts";
import { startNodeServer } from "../../../bench/lib/servers.ts";

/** A clock the test moves by hand; timers fire only when it passes their deadline. */
function manualTimers(): Timers & { advance(ms: number): void; pending(): number } {
  let now = 0;
  let timers: { at: number; fn: () => void }[] = [];
  return {
    now: () => now,
    setTimer: (fn, ms) => timers.push({ at: now + ms, fn }),
    pending: () => timers.length,
    advance(ms) {
      now += ms;
      for (;;) {
        const due = timers.filter((t) => t.at <= now).sort((a, b) => a.at - b.at)[0];
        if (!due) return;
        timers = timers.filter((t) => t !== due);
        due.fn();
      }
    },
  };
}

function pipe(delay: { ms: number }) {
  const timers = manualTimers();
  const out: string[] = [];
  const p = new DelayedPipe(() => delay.ms, (c) => out.push(c.toString()), () => out.push("<end>"), timers);
  return { p, out, timers };
}

describe("DelayedPipe", () => {
  it("passes chunks straight through at 0 ms", () => {
    const { p, out, timers } = pipe({ ms: 0 });
    p.push(Buffer.from("a"));
    p.finish();
    expect(out).toEqual(["a", "<end>"]);
    expect(timers.pending()).toBe(0);
  });

  it("holds each chunk for the delay, then writes it, in order, and ends after the last", () => {
    const { p, out, timers } = pipe({ ms: 25 });
    p.push(Buffer.from("a"));
    timers.advance(10);
    p.push(Buffer.from("b"));
    p.finish();
    timers.advance(14);
    expect(out).toEqual([]);
    timers.advance(1);
    expect(out).toEqual(["a"]);
    timers.advance(10);
    expect(out).toEqual(["a", "b", "<end>"]);
  });

  it("never lets a chunk overtake an earlier one when the delay shrinks", () => {
    const delay = { ms: 25 };
    const { p, out, timers } = pipe(delay);
    p.push(Buffer.from("slow"));
    delay.ms = 0;
    p.push(Buffer.from("fast"));
    expect(out).toEqual([]);
    timers.advance(25);
    expect(out).toEqual(["slow", "fast"]);
    p.push(Buffer.from("now"));
    expect(out).toEqual(["slow", "fast", "now"]);
  });
});

let servers: Server[] = [];
afterEach(async () => {
  for (const s of servers) s.close();
  servers = [];
  await killAll();
});

/** An upstream that answers every chunk with `<chunk>` upper-cased and ends when the client does. */
async function upperServer(): Promise<number> {
  const server = createServer((s) => {
    s.on("data", (d: Buffer) => s.write(d.toString().toUpperCase()));
    s.on("end", () => s.end());
  });
  servers.push(server);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return (server.address() as { port: number }).port;
}

async function roundTrip(port: number, chunks: string[]): Promise<string> {
  const c = createConnection({ host: "127.0.0.1", port });
  await once(c, "connect");
  let got = "";
  c.on("data", (d: Buffer) => (got += d.toString()));
  for (const x of chunks) c.write(x);
  c.end();
  await once(c, "close");
  return got;
}

describe("startDelayLink", () => {
  it("carries bytes both ways, in order, and passes the end on", async () => {
    const link = await startDelayLink({ host: "127.0.0.1", port: await upperServer() });
    try {
      expect(await roundTrip(link.port, ["abc", "def", "ghi"])).toBe("ABCDEFGHI");
      link.setRttMs(4);
      expect(link.rttMs()).toBe(4);
      expect(await roundTrip(link.port, ["x", "y"])).toBe("XY");
      expect(() => link.setRttMs(-1)).toThrow(/≥ 0/);
    } finally {
      await link.close();
    }
  });
});

describe("bench/object-link.ts", () => {
  it("runs as its own process: reports its port, takes `rtt <ms>`, forwards to --target", async () => {
    const script = join(import.meta.dirname, "../../../bench/object-link.ts");
    const link = await startNodeServer(script, ["--target", `127.0.0.1:${await upperServer()}`]);
    expect(await link.ask("rtt 50")).toEqual({ rttMs: 50 });
    expect(await link.ask("rtt 0")).toEqual({ rttMs: 0 });
    await expect(link.ask("bogus")).rejects.toThrow(/unknown command/);
    expect(await roundTrip(link.port, ["ping"])).toBe("PING");
  });
});
