/**
 * A TCP proxy that holds every chunk for half a round trip in each direction: the network
 * between the edge and a Durable Object that sits far away (another colo). Protocol-blind,
 * so the Cap'n Proto stream between two workerd processes goes through it unchanged.
 * The round trip can change between scenarios (`setRttMs`); chunks keep their order even
 * then. No backpressure: the bench's traffic through it is small (RPC arguments and answers).
 *
 * @example
 * const link = await startDelayLink({ host: "127.0.0.1", port: objectsPort });
 * link.setRttMs(50); // edge → link.port → objects, 25 ms each way
 */
import { createConnection, createServer, type Server, type Socket } from "node:net";

/** A clock and a one-shot timer, injectable so tests advance time instead of sleeping. */
export interface Timers {
  now(): number;
  setTimer(fn: () => void, ms: number): unknown;
}

export const realTimers: Timers = {
  now: () => performance.now(),
  setTimer: (fn, ms) => setTimeout(fn, ms),
};

/**
 * One direction of the link: chunks are written `delayMs()` after they arrived, in arrival
 * order (a chunk never overtakes an earlier one, even if the delay shrinks meanwhile), and
 * the end is passed on after the last chunk.
 */
export class DelayedPipe {
  readonly #queue: { due: number; chunk: Buffer | null }[] = [];
  #armed = false;

  readonly #delayMs: () => number;
  readonly #write: (chunk: Buffer) => void;
  readonly #end: () => void;
  readonly #timers: Timers;

  constructor(delayMs: () => number, write: (chunk: Buffer) => void, end: () => void, timers: Timers = realTimers) {
    this.#delayMs = delayMs;
    this.#write = write;
    this.#end = end;
    this.#timers = timers;
  }

  push(chunk: Buffer): void {
    this.#enqueue(chunk);
  }

  /** The sender finished: end the other side once everything before has been written. */
  finish(): void {
    this.#enqueue(null);
  }

  #enqueue(chunk: Buffer | null): void {
    const delay = this.#delayMs();
    const last = this.#queue.at(-1)?.due ?? -Infinity;
    if (delay <= 0 && this.#queue.length === 0) return this.#deliver(chunk);
    this.#queue.push({ due: Math.max(this.#timers.now() + delay, last), chunk });
    this.#arm();
  }

  #deliver(chunk: Buffer | null): void {
    if (chunk === null) this.#end();
    else this.#write(chunk);
  }

  #arm(): void {
    if (this.#armed || this.#queue.length === 0) return;
    this.#armed = true;
    this.#timers.setTimer(() => this.#flush(), Math.max(0, this.#queue[0]!.due - this.#timers.now()));
  }

  #flush(): void {
    this.#armed = false;
    const now = this.#timers.now();
    while (this.#queue.length > 0 && this.#queue[0]!.due <= now) this.#deliver(this.#queue.shift()!.chunk);
    this.#arm();
  }
}

export interface DelayLink {
  port: number;
  rttMs(): number;
  setRttMs(ms: number): void;
  close(): Promise<void>;
}

/** Joins one accepted connection to a new upstream connection through two delayed pipes. */
function join(client: Socket, target: { host: string; port: number }, oneWayMs: () => number, timers: Timers): void {
  // Half-open on both sides: one side's end travels (delayed) to the other; it does not close the link.
  const upstream = createConnection({ ...target, allowHalfOpen: true });
  client.setNoDelay(true);
  upstream.setNoDelay(true);
  const up = new DelayedPipe(oneWayMs, (c) => upstream.write(c), () => upstream.end(), timers);
  const down = new DelayedPipe(oneWayMs, (c) => client.write(c), () => client.end(), timers);
  client.on("data", (c: Buffer) => up.push(c));
  client.on("end", () => up.finish());
  upstream.on("data", (c: Buffer) => down.push(c));
  upstream.on("end", () => down.finish());
  const drop = () => {
    client.destroy();
    upstream.destroy();
  };
  // A reset on either side drops both; a clean end travels through the pipe like data.
  client.on("error", drop);
  upstream.on("error", drop);
}

/** Listens on 127.0.0.1 (a free port) and forwards every connection to `target`. */
export function startDelayLink(target: { host: string; port: number }, timers: Timers = realTimers): Promise<DelayLink> {
  let rtt = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer({ allowHalfOpen: true }, (client) => {
    sockets.add(client);
    client.on("close", () => sockets.delete(client));
    join(client, target, () => rtt / 2, timers);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      resolve({
        port,
        rttMs: () => rtt,
        setRttMs: (ms) => {
          if (!Number.isFinite(ms) || ms < 0) throw new Error(`round trip must be a number ≥ 0, got ${ms}`);
          rtt = ms;
        },
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
