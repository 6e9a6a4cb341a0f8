// The bench's process layout: the real worker as an edge process whose Durable Object
// namespaces forward over a socket, and an objects process holding the real objects behind
// a gate; both rendered into workerd configs. Pure config generation, no processes.
import { describe, expect, it } from "vitest";
import { renderConfig, type BindingSpec, type ModuleSpec } from "../../../bench/lib/capnp.ts";
import type { RepoConfig } from "../../../bench/lib/repo-config.ts";
import { edgeConfig, FORWARD_MODULE, forwarded, objectsConfig, OBJECTS_CAPNP_HOST, RATE_LIMIT_MODULE, referenceConfig, repoBindings } from "../../../bench/lib/topology.ts";

const cfg: RepoConfig = {
  compatibility_date: "2026-10-01",
  compatibility_flags: ["nodejs_compat_v2"],
  vars: { ORIGIN_URL: "", STATE_BUDGET_MS: "25", LIMITS: { a: 1 } },
  kv_namespaces: [{ binding: "CONTENT" }],
  durable_objects: {
    bindings: [
      { name: "VISITOR", class_name: "VisitorObject" },
      { name: "EXPERIMENT_COUNTER", class_name: "ExperimentCounter" },
      { name: "ELSEWHERE", class_name: "Other", script_name: "other-worker" },
    ],
  },
  migrations: [{ new_sqlite_classes: ["VisitorObject"] }, { new_sqlite_classes: ["ExperimentCounter"] }],
  assets: { binding: "DEMO_ORIGIN" },
  d1_databases: [{ binding: "RESULTS" }],
};
const inputs = { cfg, originPort: 4001, secrets: { PROFILE_SECRET: "s1" }, kvFiles: { CONTENT: "/run/kv/CONTENT.json" }, workersDir: "/repo/bench/workers" };
const bundle: ModuleSpec[] = [
  { name: "index.js", type: "esModule", path: "/out/p13n/index.js" },
  { name: "abc-p13n.browser.js", type: "text", path: "/out/p13n/abc-p13n.browser.js" },
];
const names = (bs: readonly BindingSpec[]) => bs.map((b) => b.name);

describe("repoBindings", () => {
  it("binds vars, the bench's ORIGIN_URL, secrets, KV, same-script Durable Objects and assets; warns about the rest", () => {
    const r = repoBindings(inputs);
    expect(names(r.bindings)).toEqual(["STATE_BUDGET_MS", "LIMITS", "ORIGIN_URL", "PROFILE_SECRET", "CONTENT", "VISITOR", "EXPERIMENT_COUNTER", "DEMO_ORIGIN"]);
    expect(r.bindings).toContainEqual({ name: "ORIGIN_URL", text: "http://127.0.0.1:4001" });
    expect(r.bindings).toContainEqual({ name: "LIMITS", json: '{"a":1}' });
    expect(r.durableObjects).toEqual([
      { className: "VisitorObject", uniqueKey: "bench-VisitorObject", enableSql: true },
      { className: "ExperimentCounter", uniqueKey: "bench-ExperimentCounter", enableSql: true },
    ]);
    expect(r.warnings.join("\n")).toMatch(/ELSEWHERE points at another script/);
    expect(r.warnings.join("\n")).toMatch(/d1_databases/);
  });
});

describe("rate limits", () => {
  // Without NEW_VISITORS the worker issues no visitor id at all: no anonymous or returning visitor to measure.
  const limited = { ...inputs, cfg: { ...cfg, ratelimits: [{ name: "NEW_VISITORS" }] } };

  it("binds each rate limit to a stand-in that always allows, in both processes, with its module", () => {
    const binding = { name: "NEW_VISITORS", wrapped: { moduleName: RATE_LIMIT_MODULE, innerBindings: [] } };
    expect(repoBindings(limited).bindings).toContainEqual(binding);
    expect(repoBindings(limited).warnings.join("\n")).not.toMatch(/ratelimits/);
    const module = { name: RATE_LIMIT_MODULE, path: "/repo/bench/workers/rate-limit-open.js", internal: true };
    const edge = edgeConfig({ ...limited, modules: bundle, dir: "/run/p13n", linkPort: 4002 }).spec;
    expect(edge.extensions).toContainEqual(module);
    const objects = objectsConfig({ ...limited, modules: bundle, dir: "/run/objects", storageDir: "/shm/do" }).spec;
    expect(objects.extensions).toEqual([module]);
    expect(renderConfig(edge)).toContain(`(name = "NEW_VISITORS", wrapped = (moduleName = "${RATE_LIMIT_MODULE}", innerBindings = []))`);
  });

  it("the stand-in says yes to every call", async () => {
    const { default: open } = (await import("../../../bench/workers/rate-limit-open.js")) as { default: () => { limit(o: { key: string }): Promise<{ success: boolean }> } };
    const limiter = open();
    for (let i = 0; i < 50; i++) expect(await limiter.limit({ key: "ip:unknown" })).toEqual({ success: true });
  });
});

describe("edgeConfig", () => {
  const { spec } = edgeConfig({ ...inputs, modules: bundle, dir: "/run/p13n", linkPort: 4002 });
  const main = spec.services.find((s) => s.name === "main")!;
  const worker = "worker" in main ? main.worker : null;

  it("replaces every Durable Object namespace with a stand-in that forwards to the objects' process", () => {
    const visitor = worker!.bindings.find((b) => b.name === "VISITOR");
    expect(visitor).toEqual({
      name: "VISITOR",
      wrapped: { moduleName: FORWARD_MODULE, innerBindings: [{ name: "link", service: "objects" }, { name: "binding", text: "VISITOR" }] },
    });
    expect(worker!.bindings.some((b) => "durableObjectNamespace" in b)).toBe(false);
    expect(worker!.durableObjects ?? []).toEqual([]);
    expect(spec.services).toContainEqual({ name: "objects", external: { address: "127.0.0.1:4002", capnpConnectHost: OBJECTS_CAPNP_HOST } });
    expect(spec.extensions).toEqual([{ name: FORWARD_MODULE, path: "/repo/bench/workers/do-forward.js", internal: true }]);
  });

  it("keeps the worker's own modules and every other binding, with the colo cache and loopback-only fetch", () => {
    expect(worker!.modules).toEqual(bundle);
    expect(names(worker!.bindings)).toEqual(names(repoBindings(inputs).bindings));
    expect(worker!.cacheApiOutbound).toBe("cache");
    expect(worker!.globalOutbound).toBe("loopback");
  });

  it("renders as a workerd config: wrapped bindings, the extension module, RPC to the external objects", () => {
    const text = renderConfig(spec);
    expect(text).toContain(
      `(name = "VISITOR", wrapped = (moduleName = "${FORWARD_MODULE}", innerBindings = [(name = "link", service = "objects"), (name = "binding", text = "VISITOR")]))`,
    );
    expect(text).toContain(`external = (address = "127.0.0.1:4002", http = (capnpConnectHost = "${OBJECTS_CAPNP_HOST}"))`);
    expect(text).toContain(`extensions = [(modules = [`);
    expect(text).toContain(`(name = "${FORWARD_MODULE}", esModule = embed "../../repo/bench/workers/do-forward.js", internal = true)`);
    expect(text).toContain('http = (), service = "main"');
  });
});

describe("objectsConfig", () => {
  const { spec } = objectsConfig({ ...inputs, modules: bundle, dir: "/run/objects", storageDir: "/dev/shm/x" });
  const main = spec.services.find((s) => s.name === "objects")!;
  const worker = "worker" in main ? main.worker : null;

  it("runs the bundle behind the gate, with the real namespaces and their SQLite storage", () => {
    expect(worker!.modules.map((m) => m.name)).toEqual(["do-gate.js", "index.js", "abc-p13n.browser.js"]);
    expect(worker!.bindings).toContainEqual({ name: "VISITOR", durableObjectNamespace: "VisitorObject" });
    expect(worker!.durableObjects?.map((d) => d.className)).toEqual(["VisitorObject", "ExperimentCounter"]);
    expect(worker!.durableObjectStorage).toEqual({ localDisk: "do-disk" });
    expect(spec.services).toContainEqual({ name: "do-disk", disk: { path: "/dev/shm/x", writable: true } });
  });

  it("takes Cap'n Proto RPC on its socket for the gate", () => {
    expect(spec.socketService).toBe("objects");
    expect(renderConfig(spec)).toContain(`http = (capnpConnectHost = "${OBJECTS_CAPNP_HOST}"), service = "objects"`);
  });

  it("refuses a bundle whose entry the gate cannot import", () => {
    expect(() => objectsConfig({ ...inputs, modules: [{ name: "worker.js", type: "esModule", path: "/w.js" }], dir: "/r", storageDir: "/s" })).toThrow(/do-gate/);
  });
});

describe("forwarded / referenceConfig", () => {
  it("leaves bindings other than Durable Object namespaces alone", () => {
    expect(forwarded({ name: "CONTENT", kvNamespace: "kv" }, "objects")).toEqual({ name: "CONTENT", kvNamespace: "kv" });
  });

  it("gives a reference worker ORIGIN_URL only", () => {
    const spec = referenceConfig({ modules: bundle.slice(0, 1), compat: { date: "2026-10-01", flags: [] }, originPort: 4001, dir: "/run/passthrough" });
    const main = spec.services[0]!;
    expect("worker" in main && main.worker.bindings).toEqual([{ name: "ORIGIN_URL", text: "http://127.0.0.1:4001" }]);
    expect(spec.extensions).toBeUndefined();
  });
});
