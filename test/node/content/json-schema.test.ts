// The JSON Schemas editors' editors use (content/schema/) must describe the same fields as the
// valibot schema the Worker enforces: a field added to one and not the other fails here.
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { ArmSchema, CapSchema, ConditionSchema, ExperimentSchema, ManifestSchema, OPERATORS, ScheduleSchema, SlotSchema, VariantSchema } from "../../../src/engine/schema.ts";

const dir = resolve(import.meta.dirname, "../../../content/schema");
type Json = { properties?: Record<string, Json>; additionalProperties?: Json | boolean; definitions?: Record<string, Json>; items?: Json; oneOf?: Json[]; required?: string[] };
const load = async (name: string): Promise<Json> => JSON.parse(await readFile(resolve(dir, name), "utf8")) as Json;
const keys = (o: object | undefined) => Object.keys(o ?? {}).sort();

describe("content/schema/*.schema.json", () => {
  it("variant.schema.json has every variant field except id and html (they come from file names)", async () => {
    const s = await load("variant.schema.json");
    expect(keys(s.properties)).toEqual(keys(VariantSchema.entries).filter((k) => k !== "id" && k !== "html"));
    expect(keys(s.properties!.schedule!.properties)).toEqual(keys(ScheduleSchema.entries));
    expect(keys(s.properties!.cap!.properties)).toEqual(keys(CapSchema.entries));
  });

  it("slot.schema.json has every slot field except variants (they are files)", async () => {
    expect(keys((await load("slot.schema.json")).properties)).toEqual(keys(SlotSchema.entries).filter((k) => k !== "variants"));
  });

  it("experiments.schema.json matches experiments and arms", async () => {
    const x = (await load("experiments.schema.json")).additionalProperties as Json;
    expect(keys(x.properties)).toEqual(keys(ExperimentSchema.entries));
    expect(keys(x.properties!.arms!.items!.properties)).toEqual(keys(ArmSchema.entries));
  });

  it("site.schema.json has the manifest fields no other file owns", async () => {
    const owned = ["schema", "version", "publishedAt", "segments", "experiments", "slots"];
    expect(keys((await load("site.schema.json")).properties)).toEqual(keys(ManifestSchema.entries).filter((k) => !owned.includes(k)));
  });

  it("rule.schema.json knows every operator, one per condition", async () => {
    const c = (await load("rule.schema.json")).definitions!.condition!;
    expect(keys(c.properties)).toEqual(keys(ConditionSchema.entries));
    expect(c.oneOf!.map((o) => o.required![0]).sort()).toEqual([...OPERATORS].sort());
  });
});
