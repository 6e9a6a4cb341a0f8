// The entry of the bench's objects process: the real worker's bundle (its Durable Object
// classes, re-exported for the process's namespaces) plus this gate, the socket's entrypoint.
// The edge process's stand-in namespaces (bench/workers/do-forward.js) call `invoke` over
// Cap'n Proto; the gate calls the real object through a real namespace binding here.
// It counts the calls (GET /__bench/calls on its socket), so the bench can show how many
// stub calls each request cost. Plain JS on purpose: workerd runs it as-is, no build step.
// It imports the bundle's entry module by its name in the config ("index.js", what wrangler
// names src/index.ts's bundle).
import { WorkerEntrypoint } from "cloudflare:workers";
export * from "./index.js";

/** Stub calls answered since the process started (one isolate serves the gate). */
let calls = 0;

export default class ObjectGate extends WorkerEntrypoint {
  /** One stub call: `env[binding].get(idFromName(name))[method](...args)`. */
  async invoke(binding, name, method, args) {
    const ns = this.env[binding];
    if (!ns || typeof ns.idFromName !== "function") throw new Error(`do-gate: no Durable Object namespace ${binding}`);
    if (typeof method !== "string" || method.startsWith("_") || !Array.isArray(args)) throw new Error("do-gate: bad call");
    calls++;
    return ns.get(ns.idFromName(name))[method](...args);
  }

  async fetch(request) {
    if (new URL(request.url).pathname === "/__bench/calls") return Response.json({ calls });
    return new Response("not found\n", { status: 404 });
  }
}
