/**
 * Renders a workerd text config (capnp) for one bench process: the worker under test,
 * the services its bindings point at, extension modules (for wrapped bindings), and one
 * HTTP socket on 127.0.0.1 (optionally accepting Cap'n Proto RPC, for a worker in another
 * process to call this one's entrypoint).
 * Pure string building; tested in test/node/bench/.
 *
 * @example
 * const text = renderConfig({ socketService: "main", services: [
 *   { name: "main", worker: { modules: [{ name: "index.js", type: "esModule", path: "/abs/index.js" }],
 *     compatibilityDate: "2026-10-01", compatibilityFlags: ["nodejs_compat_v2"], bindings: [] } },
 * ] });
 */

import { isAbsolute, relative } from "node:path";

export type ModuleType = "esModule" | "commonJsModule" | "text" | "data" | "wasm" | "json";

export interface ModuleSpec {
  /** Module name the code imports it by (e.g. "index.js"); the first module is the entry point. */
  name: string;
  type: ModuleType;
  /** Path of the file, embedded at config load; workerd resolves it relative to the config file. */
  path: string;
}

export type BindingSpec =
  | { name: string; text: string }
  | { name: string; json: string }
  | { name: string; service: string }
  | { name: string; kvNamespace: string }
  | { name: string; durableObjectNamespace: string }
  /**
   * A binding whose value an internal extension module makes from `innerBindings` (its
   * exported `entrypoint` function gets them as its `env`), once per isolate.
   */
  | { name: string; wrapped: { moduleName: string; entrypoint?: string; innerBindings: BindingSpec[] } };

export interface WorkerSpec {
  modules: ModuleSpec[];
  compatibilityDate: string;
  compatibilityFlags: string[];
  bindings: BindingSpec[];
  durableObjects?: { className: string; uniqueKey: string; enableSql: boolean }[];
  /**
   * Where Durable Objects keep their storage: a disk service name (SQLite files, needed
   * for SQLite-backed classes; workerd's in-memory storage has no SQL) or "inMemory".
   */
  durableObjectStorage?: { localDisk: string } | "inMemory";
  /** Name of the service that global fetch() goes through. */
  globalOutbound?: string;
  /**
   * Name of the service the Cache API (`caches.default`) talks to. Without one, raw workerd
   * has no cache: match() always misses and put() stores nothing.
   */
  cacheApiOutbound?: string;
}

export type ServiceSpec =
  | { name: string; worker: WorkerSpec }
  /**
   * A server in another process. With `capnpConnectHost` (the same host the server's socket
   * names), a service binding to it carries JS RPC as Cap'n Proto, not only fetch().
   */
  | { name: string; external: { address: string; capnpConnectHost?: string } }
  | { name: string; network: { allow: string[]; deny?: string[] } }
  | { name: string; disk: { path: string; writable: boolean } };

export interface ExtensionModuleSpec {
  /** A URL with a non-file scheme, e.g. "p13n-bench:do-forward". */
  name: string;
  /** Path of the ES module's source, embedded at config load. */
  path: string;
  /** Internal: importable by wrapped bindings and other extension modules only, never by the worker. */
  internal: boolean;
}

export interface ConfigSpec {
  services: ServiceSpec[];
  /** Service the HTTP socket serves. */
  socketService: string;
  /** Listen address; port 0 lets the kernel pick (read it back with --control-fd). */
  address?: string;
  /** The socket accepts Cap'n Proto RPC connections (CONNECT to this host) for its service's entrypoint. */
  socketCapnpHost?: string;
  /** Internal modules for wrapped bindings (workerd "extensions"). */
  extensions?: ExtensionModuleSpec[];
  /** Directory the config file is written to: absolute module paths are made relative to it (workerd's embed needs that). */
  baseDir?: string;
}

/** A capnp text literal (C-style escapes). */
export function str(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === "\\") out += `\\${ch}`;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, "0")}`;
    else out += ch;
  }
  return `${out}"`;
}

const list = (items: string[], indent: string): string =>
  items.length === 0 ? "[]" : `[\n${items.map((i) => `${indent}  ${i}`).join(",\n")},\n${indent}]`;

function binding(b: BindingSpec): string {
  if ("wrapped" in b) {
    const w = b.wrapped;
    const entry = w.entrypoint ? `, entrypoint = ${str(w.entrypoint)}` : "";
    return `(name = ${str(b.name)}, wrapped = (moduleName = ${str(w.moduleName)}${entry}, innerBindings = [${w.innerBindings.map(binding).join(", ")}]))`;
  }
  if ("text" in b) return `(name = ${str(b.name)}, text = ${str(b.text)})`;
  if ("json" in b) return `(name = ${str(b.name)}, json = ${str(b.json)})`;
  if ("service" in b) return `(name = ${str(b.name)}, service = ${str(b.service)})`;
  if ("kvNamespace" in b) return `(name = ${str(b.name)}, kvNamespace = ${str(b.kvNamespace)})`;
  return `(name = ${str(b.name)}, durableObjectNamespace = (className = ${str(b.durableObjectNamespace)}))`;
}

/** workerd resolves `embed` paths relative to the config file. */
const embedPath = (p: string, baseDir: string | undefined) => (baseDir && isAbsolute(p) ? relative(baseDir, p) : p);

function worker(w: WorkerSpec, indent: string, baseDir: string | undefined): string {
  const inner = `${indent}  `;
  const lines = [
    `modules = ${list(
      w.modules.map((m) => `(name = ${str(m.name)}, ${m.type} = embed ${str(embedPath(m.path, baseDir))})`),
      inner,
    )}`,
    `compatibilityDate = ${str(w.compatibilityDate)}`,
    `compatibilityFlags = ${list(w.compatibilityFlags.map(str), inner)}`,
    `bindings = ${list(w.bindings.map(binding), inner)}`,
  ];
  if (w.durableObjects && w.durableObjects.length > 0) {
    lines.push(
      `durableObjectNamespaces = ${list(
        w.durableObjects.map(
          (d) => `(className = ${str(d.className)}, uniqueKey = ${str(d.uniqueKey)}, enableSql = ${d.enableSql})`,
        ),
        inner,
      )}`,
      typeof w.durableObjectStorage === "object"
        ? `durableObjectStorage = (localDisk = ${str(w.durableObjectStorage.localDisk)})`
        : "durableObjectStorage = (inMemory = void)",
    );
  }
  if (w.globalOutbound) lines.push(`globalOutbound = ${str(w.globalOutbound)}`);
  if (w.cacheApiOutbound) lines.push(`cacheApiOutbound = ${str(w.cacheApiOutbound)}`);
  return `(\n${lines.map((l) => `${inner}${l}`).join(",\n")},\n${indent})`;
}

function service(s: ServiceSpec, indent: string, baseDir: string | undefined): string {
  if ("worker" in s) return `(name = ${str(s.name)}, worker = ${worker(s.worker, `${indent}  `, baseDir)})`;
  if ("disk" in s) return `(name = ${str(s.name)}, disk = (path = ${str(s.disk.path)}, writable = ${s.disk.writable}))`;
  if ("external" in s) return `(name = ${str(s.name)}, external = (address = ${str(s.external.address)}, http = ${httpOptions(s.external.capnpConnectHost)}))`;
  const deny = s.network.deny ? `, deny = ${list(s.network.deny.map(str), indent)}` : "";
  return `(name = ${str(s.name)}, network = (allow = ${list(s.network.allow.map(str), `${indent}  `)}${deny}))`;
}

function httpOptions(capnpConnectHost: string | undefined): string {
  return capnpConnectHost ? `(capnpConnectHost = ${str(capnpConnectHost)})` : "()";
}

function extensions(mods: readonly ExtensionModuleSpec[], baseDir: string | undefined): string {
  const items = mods.map((m) => `(name = ${str(m.name)}, esModule = embed ${str(embedPath(m.path, baseDir))}, internal = ${m.internal})`);
  return `\n  extensions = [(modules = ${list(items, "  ")})],`;
}

/** The whole config file text. */
export function renderConfig(spec: ConfigSpec): string {
  const address = spec.address ?? "127.0.0.1:0";
  const ext = spec.extensions && spec.extensions.length > 0 ? extensions(spec.extensions, spec.baseDir) : "";
  return `# Generated by bench/run.ts for one run; do not edit.
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = ${list(spec.services.map((s) => service(s, "  ", spec.baseDir)), "  ")},
  sockets = [
    (name = "http", address = ${str(address)}, http = ${httpOptions(spec.socketCapnpHost)}, service = ${str(spec.socketService)}),
  ],${ext}
);
`;
}
