/**
 * Where a worker's CPU goes: a V8 CPU profile taken through workerd's inspector
 * (`workerd serve --inspector-addr`) while a scenario's load runs, reduced to the
 * functions with the most self time. The raw profile is written beside it, for
 * DevTools (Performance → Load profile).
 *
 * @example
 * const session = await openProfiler(9229);
 * await session.start();
 * await runLoad();
 * const top = summarizeProfile(await session.stop(), 20);
 */

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface ProfileLine {
  name: string;
  where: string;
  selfPct: number;
  totalPct: number;
}

/**
 * Self and total time per function (by name and location), as shares of all samples.
 * Pure: tested in test/node/bench/.
 */
export function summarizeProfile(profile: CpuProfile, top: number): ProfileLine[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const total = profile.nodes.reduce((a, n) => a + (n.hitCount ?? 0), 0) || 1;
  const keyOf = (f: CallFrame) => `${f.functionName || "(anonymous)"}\u0000${f.url.split("/").pop() ?? ""}:${f.lineNumber + 1}`;
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const n of profile.nodes) {
    const hits = n.hitCount ?? 0;
    if (hits === 0) continue;
    self.set(keyOf(n.callFrame), (self.get(keyOf(n.callFrame)) ?? 0) + hits);
    // Each ancestor function counts these samples once, however often it recurs on the stack.
    const seen = new Set<string>();
    for (let id: number | undefined = n.id; id !== undefined; id = parent.get(id)) {
      const k = keyOf(byId.get(id)!.callFrame);
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + hits);
    }
  }
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([k, hits]) => {
      const [name, where] = k.split("\u0000") as [string, string];
      return { name, where, selfPct: (100 * hits) / total, totalPct: (100 * (inclusive.get(k) ?? hits)) / total };
    });
}

export function formatProfile(lines: ProfileLine[]): string {
  const rows = lines.map((l) => `  ${l.selfPct.toFixed(1).padStart(5)}%  ${l.totalPct.toFixed(1).padStart(5)}%  ${l.name.slice(0, 48).padEnd(48)}  ${l.where}`);
  return ["   self   total  function                                          where", ...rows].join("\n");
}

export interface ProfilerSession {
  start(): Promise<void>;
  stop(): Promise<CpuProfile>;
  close(): void;
}

/** Connects to the first isolate workerd's inspector lists (the main worker, its Durable Objects with it). */
export async function openProfiler(inspectorPort: number, samplingIntervalUs = 100): Promise<ProfilerSession> {
  const targets = (await (await fetch(`http://127.0.0.1:${inspectorPort}/json/list`)).json()) as Array<{ webSocketDebuggerUrl?: string; title?: string }>;
  const target = targets.find((t) => t.webSocketDebuggerUrl);
  if (!target?.webSocketDebuggerUrl) throw new Error(`workerd's inspector lists no isolate: ${JSON.stringify(targets)}`);
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise<void>((ok, fail) => {
    ws.addEventListener("open", () => ok(), { once: true });
    ws.addEventListener("error", () => fail(new Error("cannot connect to workerd's inspector")), { once: true });
  });
  let next = 0;
  const waiting = new Map<number, (result: unknown) => void>();
  ws.addEventListener("message", (e) => {
    const msg = JSON.parse(String(e.data)) as { id?: number; result?: unknown; error?: { message: string } };
    if (msg.id === undefined) return;
    const done = waiting.get(msg.id);
    waiting.delete(msg.id);
    done?.(msg.error ? Promise.reject(new Error(msg.error.message)) : msg.result);
  });
  const send = (method: string, params: Record<string, unknown> = {}) =>
    new Promise<unknown>((resolve) => {
      const id = ++next;
      waiting.set(id, resolve);
      ws.send(JSON.stringify({ id, method, params }));
    });
  await send("Profiler.enable");
  await send("Profiler.setSamplingInterval", { interval: samplingIntervalUs });
  return {
    start: async () => void (await send("Profiler.start")),
    stop: async () => ((await send("Profiler.stop")) as { profile: CpuProfile }).profile,
    close: () => ws.close(),
  };
}
