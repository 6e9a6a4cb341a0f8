// The edge process's stand-in for a Durable Object namespace (bench/workers/do-forward.js):
// every stub method call becomes one call to the objects' gate, named by binding, object and
// method, arguments as given; a stub is never mistaken for a promise.
import { describe, expect, it } from "vitest";
import forwardedNamespace, { type ObjectLink } from "../../../bench/workers/do-forward.js";

function recordingLink(answer: unknown = { visits: 3 }) {
  const calls: unknown[][] = [];
  const link: ObjectLink = {
    invoke: async (...args) => {
      calls.push(args);
      return answer;
    },
  };
  return { link, calls };
}

describe("forwardedNamespace", () => {
  it("forwards get(idFromName(name)).method(...args) to the gate as one invoke, and returns its answer", async () => {
    const { link, calls } = recordingLink();
    const ns = forwardedNamespace({ link, binding: "VISITOR" });
    const stub = ns.get(ns.idFromName("sub:user-1"));
    const snapshot = stub.snapshot as (o: unknown) => Promise<unknown>;
    await expect(snapshot({ now: 5 })).resolves.toEqual({ visits: 3 });
    const record = ns.getByName("vid:abc").record as (b: unknown) => Promise<unknown>;
    await record({ events: [] });
    expect(calls).toEqual([
      ["VISITOR", "sub:user-1", "snapshot", [{ now: 5 }]],
      ["VISITOR", "vid:abc", "record", [{ events: [] }]],
    ]);
  });

  it("keeps the id and name on the stub, and ids compare by name", () => {
    const ns = forwardedNamespace({ link: recordingLink().link, binding: "EXPERIMENT_COUNTER" });
    const id = ns.idFromName("hero-test");
    const stub = ns.get(id);
    expect(stub.id).toBe(id);
    expect(stub.name).toBe("hero-test");
    expect(String(id)).toBe("hero-test");
    expect(id.equals(ns.idFromName("hero-test"))).toBe(true);
    expect(id.equals(ns.idFromName("other"))).toBe(false);
  });

  it("is not thenable, so awaiting a stub does not call the object", async () => {
    const { link, calls } = recordingLink();
    const stub = forwardedNamespace({ link, binding: "VISITOR" }).getByName("x");
    expect(stub.then).toBeUndefined();
    expect(await Promise.resolve(stub)).toBe(stub);
    expect(calls).toEqual([]);
  });

  it("refuses to be made without its inner bindings", () => {
    expect(() => forwardedNamespace({ binding: "VISITOR" } as never)).toThrow(/inner bindings/);
  });
});
