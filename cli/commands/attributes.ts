/**
 * `p13n attributes`: the attribute names rules may test, from the engine's own list, each
 * marked when a fragment's placeholder may write it too; then the cart's own placeholder names.
 */
import { ATTRIBUTES } from "../../src/engine/attributes.ts";
import { CART_ITEM_FIELDS, MAX_CART_ITEM_INDEX, resolvePlaceholder } from "../../src/engine/placeholders.ts";
import type { Command } from "./context.ts";

export const attributesUsage = "p13n attributes   list the attributes audience rules may test, and the names placeholders may fill";

export const attributesCommand: Command = async (_argv, ctx) => {
  const rows = ATTRIBUTES.map((a) => {
    const fills = resolvePlaceholder(a.name.replace(".<key>", ".key")).ok ? "{{ }}" : "";
    return [a.name, a.kind, a.values ? a.values.join(" | ") : a.type, fills, a.description] as const;
  });
  const width = (i: number) => Math.max(...rows.map((r) => r[i]!.length));
  const [w0, w1, w2, w3] = [width(0), width(1), width(2), width(3)];
  const lines = rows.map(([name, kind, type, fills, description]) => `${name.padEnd(w0)}  ${kind.padEnd(w1)}  ${type.padEnd(w2)}  ${fills.padEnd(w3)}  ${description}`);
  const fields = CART_ITEM_FIELDS.join(" | ");
  lines.push(
    "",
    `{{ }}: a placeholder in a fragment may write it too. And the cart's lines (behaviour; README "Placeholders"):`,
    `cart.items.<n>.<field>           the nth most recently added line, n = 0..${MAX_CART_ITEM_INDEX}; field ${fields}`,
    `cart.latest.<category>.<field>   the most recently added line of that category; field ${fields}`,
  );
  ctx.io.print(lines.join("\n"));
  return 0;
};
