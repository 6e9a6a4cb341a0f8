/**
 * The network between the bench's edge process and its objects process, run as its own
 * process (so its CPU is neither's): a TCP proxy that delays each direction by half the
 * round trip (bench/lib/delay-link.ts).
 *
 * Usage: node bench/object-link.ts --target 127.0.0.1:PORT
 * Prints one line `{"port":N}` when listening. On stdin, a line `rtt <ms>` sets the round
 * trip and is answered with `{"rttMs":<ms>}`. Exits when its stdin closes (the parent died).
 */
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { startDelayLink } from "./lib/delay-link.ts";

const { values } = parseArgs({ options: { target: { type: "string" } } });
const m = /^([\d.]+):(\d+)$/.exec(values.target ?? "");
if (!m) {
  console.error("object-link: --target HOST:PORT is required");
  process.exit(2);
}

const link = await startDelayLink({ host: m[1]!, port: Number(m[2]) });
process.stdout.write(`${JSON.stringify({ port: link.port })}\n`);

const lines = createInterface({ input: process.stdin });
lines.on("line", (line) => {
  const rtt = /^rtt (\d+(?:\.\d+)?)$/.exec(line.trim());
  if (!rtt) {
    process.stdout.write(`${JSON.stringify({ error: `unknown command: ${line}` })}\n`);
    return;
  }
  link.setRttMs(Number(rtt[1]));
  process.stdout.write(`${JSON.stringify({ rttMs: link.rttMs() })}\n`);
});
lines.on("close", () => void link.close().finally(() => process.exit(0)));
process.on("SIGTERM", () => process.exit(0));
