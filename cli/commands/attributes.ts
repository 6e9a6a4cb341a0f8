/** `p13n attributes`: the attribute names rules may test, from the engine's own list. */
import { ATTRIBUTES } from "../../src/engine/attributes.ts";
import type { Command } from "./context.ts";

export const attributesUsage = "p13n attributes   list the attributes audience rules may test";

export const attributesCommand: Command = async (_argv, ctx) => {
  const rows = ATTRIBUTES.map((a) => [a.name, a.kind, a.values ? a.values.join(" | ") : a.type, a.description] as const);
  const width = (i: number) => Math.max(...rows.map((r) => r[i]!.length));
  const [w0, w1, w2] = [width(0), width(1), width(2)];
  const lines = rows.map(([name, kind, type, description]) => `${name.padEnd(w0)}  ${kind.padEnd(w1)}  ${type.padEnd(w2)}  ${description}`);
  ctx.io.print(lines.join("\n"));
  return 0;
};
