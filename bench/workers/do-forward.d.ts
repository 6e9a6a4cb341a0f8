// Types of bench/workers/do-forward.js (plain JS, embedded by workerd as-is), for its Node test.

/** A service binding to the objects' gate (bench/workers/do-gate.js). */
export interface ObjectLink {
  invoke(binding: string, name: string, method: string, args: unknown[]): Promise<unknown>;
}

export interface ForwardedId {
  readonly name: string;
  toString(): string;
  equals(other: unknown): boolean;
}

/** Stand-in for a Durable Object namespace: any method call on a stub becomes one `invoke`. */
export interface ForwardedNamespace {
  idFromName(name: string): ForwardedId;
  get(id: ForwardedId): Record<string, unknown> & { readonly id: ForwardedId; readonly name: string };
  getByName(name: string): Record<string, unknown> & { readonly id: ForwardedId; readonly name: string };
}

export default function forwardedNamespace(env: { link: ObjectLink; binding: string }): ForwardedNamespace;
