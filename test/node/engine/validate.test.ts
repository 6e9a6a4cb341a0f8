// validateManifest: publish-time issues with JSON paths the CLI maps to file:line:field.
import { describe, expect, it } from "vitest";
import { validateManifest } from "../../../src/engine/validate.ts";
import { manifest, variant } from "./fixtures.ts";

describe("validateManifest", () => {
  it("a clean manifest has no issues", () => {
    const m = manifest({
      segments: { gold: { attr: "profile.tier", eq: "gold" } },
      slots: { hero: [variant("a", { audience: { segment: "gold" } }), variant("b", { experimentOnly: true })] },
      experiments: { e: { slots: ["hero"], salt: "s", arms: [{ id: "control", weight: 1, variants: { hero: null } }, { id: "b", weight: 1, variants: { hero: "b" } }] } },
    });
    expect(validateManifest(m)).toEqual([]);
  });

  const rows: [string, () => ReturnType<typeof manifest>, string, "error" | "warning", (string | number)[]][] = [
    ["rule issue in a segment", () => manifest({ segments: { s: { attr: "nope", eq: 1 } }, slots: {} }), "unknown-attribute", "error", ["segments", "s", "attr"]],
    ["rule issue in an audience", () => manifest({ slots: { hero: [variant("a", { audience: { segment: "missing" } })] } }), "unknown-segment", "error", ["slots", "hero", "variants", 0, "audience", "segment"]],
    ["rule issue in suppressWhen", () => manifest({ slots: { hero: [variant("a", { suppressWhen: { attr: "visitor.openCase", eq: true } })] } }), "unknown-attribute", "error", ["slots", "hero", "variants", 0, "suppressWhen", "attr"]],
    ["duplicate variant id", () => manifest({ slots: { hero: [variant("a"), variant("a")] } }), "duplicate-id", "error", ["slots", "hero", "variants", 1, "id"]],
    ["end before start", () => manifest({ slots: { hero: [variant("a", { schedule: { start: "2026-02-01T00:00:00Z", end: "2026-01-01T00:00:00Z" } })] } }), "schedule", "error", ["slots", "hero", "variants", 0, "schedule", "end"]],
    ["empty daypart", () => manifest({ slots: { hero: [variant("a", { schedule: { hours: [5, 5] } })] } }), "schedule", "error", ["slots", "hero", "variants", 0, "schedule", "hours"]],
    ["campaign cap without campaign", () => manifest({ slots: { hero: [variant("a", { cap: { max: 1, periodHours: 1, scope: "campaign" } })] } }), "cap", "error", ["slots", "hero", "variants", 0, "cap", "scope"]],
    ["experiment-only variant in no experiment", () => manifest({ slots: { hero: [variant("a", { experimentOnly: true })] } }), "unreachable", "warning", ["slots", "hero", "variants", 0, "experimentOnly"]],
    ["experiment on an unknown slot", () => manifest({ slots: {}, experiments: { e: { slots: ["nope"], salt: "s", arms: [{ id: "a", weight: 1, variants: {} }] } } }), "unknown-slot", "error", ["experiments", "e", "slots", 0]],
    ["arm names an unknown variant", () => manifest({ slots: { hero: [] }, experiments: { e: { slots: ["hero"], salt: "s", arms: [{ id: "a", weight: 1, variants: { hero: "ghost" } }] } } }), "unknown-variant", "error", ["experiments", "e", "arms", 0, "variants", "hero"]],
    ["arm names a slot outside the experiment", () => manifest({ slots: { hero: [], side: [] }, experiments: { e: { slots: ["hero"], salt: "s", arms: [{ id: "a", weight: 1, variants: { side: null } }] } } }), "arm-slot", "error", ["experiments", "e", "arms", 0, "variants", "side"]],
    ["no arm with weight", () => manifest({ slots: { hero: [] }, experiments: { e: { slots: ["hero"], salt: "s", arms: [{ id: "a", weight: 0, variants: {} }] } } }), "weights", "error", ["experiments", "e", "arms"]],
    ["duplicate arm id", () => manifest({ slots: { hero: [] }, experiments: { e: { slots: ["hero"], salt: "s", arms: [{ id: "a", weight: 1, variants: {} }, { id: "a", weight: 1, variants: {} }] } } }), "duplicate-id", "error", ["experiments", "e", "arms", 1, "id"]],
    [
      "overlapping experiments outside a shared layer",
      () =>
        manifest({
          slots: { hero: [] },
          experiments: {
            a: { slots: ["hero"], salt: "a", arms: [{ id: "x", weight: 1, variants: {} }] },
            b: { slots: ["hero"], salt: "b", arms: [{ id: "x", weight: 1, variants: {} }] },
          },
        }),
      "experiment-overlap",
      "warning",
      ["experiments", "b", "slots", 0],
    ],
  ];
  for (const [name, build, code, severity, path] of rows) {
    it(name, () => {
      const issues = validateManifest(build());
      expect(issues).toHaveLength(1);
      expect(issues[0]).toMatchObject({ code, severity, path });
      expect(issues[0]!.message.length).toBeGreaterThan(5);
    });
  }

  it("experiment audience rules are validated", () => {
    const m = manifest({ slots: { hero: [] }, experiments: { e: { slots: ["hero"], salt: "s", audience: { segment: "nope" }, arms: [{ id: "a", weight: 1, variants: {} }] } } });
    expect(validateManifest(m)).toMatchObject([{ code: "unknown-segment", path: ["experiments", "e", "audience", "segment"] }]);
  });

  it("experiments sharing a layer may overlap; errors sort before warnings", () => {
    const m = manifest({
      slots: { hero: [variant("x", { experimentOnly: true }), variant("y", { audience: { segment: "nope" } })] },
      experiments: {
        a: { slots: ["hero"], salt: "a", layer: "L", arms: [{ id: "x", weight: 1, variants: {} }] },
        b: { slots: ["hero"], salt: "b", layer: "L", arms: [{ id: "x", weight: 1, variants: {} }] },
      },
    });
    expect(validateManifest(m).map((i) => [i.severity, i.code])).toEqual([
      ["error", "unknown-segment"],
      ["warning", "unreachable"],
    ]);
  });
});
