/**
 * Checks what the schema cannot see (names that point at nothing, rules the engine
 * would misread, unreachable variants) by running the engine's own
 * `validateManifest`, so the CLI refuses exactly what the engine would. This
 * module only adds, per issue, how an editor fixes it in the files.
 *
 * @example
 * for (const i of checkReferences(manifest)) console.log(i.path.join("."), i.message, i.fix);
 */
import { validateManifest, type ManifestIssue } from "../../src/engine/validate.ts";
import type { Manifest } from "../../src/engine/types.ts";
import { didYouMean } from "./problem.ts";
import type { SchemaIssue } from "./schema-issues.ts";

export interface ReferenceIssue extends SchemaIssue {
  severity: "error" | "warning";
}

export function checkReferences(m: Manifest): ReferenceIssue[] {
  return validateManifest(m).map((i) => referenceIssue(i, m));
}

/** One engine issue, with how to fix it and, for a placeholder, where in the fragment. */
export function referenceIssue(i: ManifestIssue, m: Manifest): ReferenceIssue {
  return {
    severity: i.severity,
    path: i.path,
    // Arm entries name a slot by their key: point at the key.
    onKey: i.code === "arm-slot" || i.code === "unreachable",
    message: i.message,
    fix: fixFor(i, m),
    ...(i.offset !== undefined ? { offset: i.offset } : {}),
    ...(i.placeholder !== undefined ? { field: i.placeholder } : {}),
  };
}

function fixFor(i: ManifestIssue, m: Manifest): string {
  switch (i.code) {
    case "unknown-attribute":
      return "use an attribute listed by `p13n attributes` (profile.attrs.<name>, visitor.interest.<topic> and the like take any name)";
    case "unknown-segment":
      // The engine's message already names the closest segment (one "did you mean" rule for both).
      return "define the segment in segments.yaml, or fix the name.";
    case "segment-cycle":
      return "a segment may not include itself, directly or through other segments";
    case "too-deep":
      return "flatten the rule, or move parts of it into named segments";
    case "operator":
      return "keep exactly one operator per condition; combine conditions with all: [...] or any: [...]";
    case "bad-regex":
      return "fix the pattern (RE2 syntax, run in linear time: no backreferences or lookaround; see README \"Rule language\")";
    case "type":
      return "change the value or the operator so it fits the attribute";
    case "duplicate-id":
      return "give each one its own id";
    case "schedule":
      return "fix the schedule so it has a window in which the variant can show";
    case "cap":
      return "add 'campaign: <id>' to the variant, or use 'scope: variant'";
    case "unknown-slot": {
      const slot = String(valueAt(m, i.path));
      return `create content/slots/${slot}/, or fix the name.${didYouMean(slot, Object.keys(m.slots))}`;
    }
    case "unknown-variant": {
      const slotId = String(i.path.at(-1));
      const wanted = String(valueAt(m, i.path));
      const ids = Object.hasOwn(m.slots, slotId) ? m.slots[slotId]!.variants.map((v) => v.id) : [];
      return `create content/slots/${slotId}/${wanted}.yaml and ${wanted}.html, or use one of: ${ids.join(", ") || "(none yet)"}.${didYouMean(wanted, ids)}`;
    }
    case "arm-slot":
      return "add the slot to the experiment's 'slots', or remove it from the arm";
    case "weights":
      return "give at least one arm a weight above 0";
    case "experiment-overlap":
      return "give both experiments the same 'layer' so each visitor enters at most one";
    case "goal":
      return "add 'goal: <name>' to the experiment (the conversion goal it is judged on)";
    case "unreachable":
      return "add the variant to an arm in experiments.yaml, or remove 'experimentOnly'";
    case "placeholder":
      return i.severity === "warning"
        ? 'add a default text: {{name | default: "…"}}'
        : "see README \"Placeholders\": names are listed by `p13n attributes`; a placeholder may stand in text or in alt, title, placeholder, value, label and aria-label values";
    case "selector":
      return "make the selector name one element of its own (its id, a class only it has, or its place), or merge the two slots";
    default:
      return "see the message";
  }
}

function valueAt(root: unknown, path: readonly (string | number)[]): unknown {
  let cur: unknown = root;
  for (const k of path) cur = cur !== null && typeof cur === "object" ? (cur as Record<string, unknown>)[k] : undefined;
  return cur;
}
