// The edge process's stand-in for a Durable Object namespace binding (VISITOR,
// EXPERIMENT_COUNTER). In production the objects run on other machines; in the bench they
// run in their own workerd process, and a workerd namespace binding cannot point into
// another process. So the edge's binding is this object, made once per isolate by workerd
// (a "wrapped" binding over an internal extension module): `get(idFromName(name)).method(...args)`
// becomes `link.invoke(binding, name, method, args)`, one JS RPC call over a service binding
// to the objects' process (Cap'n Proto over a socket, through the bench's delay link).
// The arguments and the answer are serialized here as a real stub call's would be, so that
// cost lands in the edge process; the objects' process calls the real object (bench/workers/do-gate.js).
// Plain JS on purpose: workerd embeds it as-is, and test/node/bench/ imports it.

/** Property names a stub must not answer with a method (await, inspection, serialization). */
const NOT_METHODS = new Set(["then", "catch", "finally", "toJSON", "constructor", "fetch"]);

class ForwardedId {
  constructor(name) {
    this.name = name;
  }
  toString() {
    return this.name;
  }
  equals(other) {
    return other instanceof ForwardedId && other.name === this.name;
  }
}

function stubFor(link, binding, id) {
  return new Proxy(Object.freeze({ id, name: id.name }), {
    get(target, prop) {
      if (typeof prop !== "string") return undefined;
      if (prop === "id" || prop === "name") return target[prop];
      if (NOT_METHODS.has(prop)) return undefined;
      return (...args) => link.invoke(binding, id.name, prop, args);
    },
  });
}

/**
 * workerd calls this with the wrapped binding's inner bindings:
 *   link    a service binding to the objects' process (its default entrypoint: the gate)
 *   binding the namespace's binding name there ("VISITOR", "EXPERIMENT_COUNTER")
 */
export default function forwardedNamespace(env) {
  const { link, binding } = env;
  if (!link || typeof binding !== "string") throw new Error("do-forward: needs inner bindings `link` and `binding`");
  return {
    idFromName: (name) => new ForwardedId(String(name)),
    get: (id) => stubFor(link, binding, id),
    getByName: (name) => stubFor(link, binding, new ForwardedId(String(name))),
  };
}
