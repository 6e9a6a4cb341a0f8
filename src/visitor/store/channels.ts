/**
 * A visitor object's part in the other channels (README "Every channel"), in one place so the
 * object itself only calls in: what backends tell it (src/visitor/store/server-memory.ts), the
 * signed-in visitor's consent as it last heard it (consent-state.ts), and their outbound hooks
 * (hook-outbox.ts). Built once per object instance from its name (`sub:…` is a signed-in visitor;
 * anonymous objects have no server events and no hooks) and its env (EVENT_HOOK_URL).
 *
 * @example
 * // in the object:
 * #channels = new VisitorChannels(ctx.storage, ctx.id.name, env, () => ({ halfLifeMs, cartAbandonMs }));
 * const done = this.#channels.beginWebWrite(batch, now); …apply the events…; done(statuses);
 * await this.#channels.run(now); // in alarm()
 */
import { getConfig } from "../../config/config.ts";
import type { EventStatus, RecordBatch } from "../events.ts";
import { consentState, REFUSAL_KEEP_MS, refusesServerEvents, withdrawConsent } from "./consent-state.ts";
import { hookSubject, VisitorHooks } from "./hook-outbox.ts";
import { applyServerBatch, type ServerBatch, type ServerRecordResult } from "./server-memory.ts";
import type { Memory } from "./memory.ts";
import { beginWebWrite } from "./web-write.ts";

export interface ChannelSettings {
  halfLifeMs: number;
  cartAbandonMs: number;
}

/** A withdrawal said again (every page of a GPC visitor) is written at most this often. */
const REWRITE_AFTER_MS = 86_400_000;

export class VisitorChannels {
  readonly #storage: DurableObjectStorage;
  readonly #sub: string | null;
  readonly #env: object;
  readonly #settings: () => ChannelSettings;
  /** Built on first use (null: anonymous, or EVENT_HOOK_URL unset). */
  #hooks: VisitorHooks | null | undefined;
  /**
   * The web's consent to personalization as this instance last noted it in storage, nothing
   * withdrawn since (undefined: unknown, storage is asked). A page view that says the same again
   * writes nothing, so it need not read the row either. Every other consent write drops it.
   */
  #noted: boolean | undefined;

  constructor(storage: DurableObjectStorage, objectName: string | undefined, env: object, settings: () => ChannelSettings) {
    this.#storage = storage;
    this.#sub = hookSubject(objectName);
    this.#env = env;
    this.#settings = settings;
  }

  /** The signed-in visitor's outbound hooks, when EVENT_HOOK_URL is set. */
  hooks(): VisitorHooks | null {
    if (this.#hooks === undefined) {
      let hook: ReturnType<typeof getConfig>["eventHook"];
      try {
        hook = getConfig(this.#env).eventHook;
      } catch {
        hook = undefined; // a refused config is logged by the object; its retention goes on without hooks
      }
      const { cartAbandonMs, halfLifeMs } = this.#settings();
      this.#hooks = this.#sub !== null && hook ? new VisitorHooks(this.#storage, this.#sub, { hook, cartAbandonMs, halfLifeMs }) : null;
    }
    return this.#hooks;
  }

  /** Inside record()'s transaction, before its events; the returned function after them (src/visitor/store/web-write.ts). */
  beginWebWrite(batch: Pick<RecordBatch, "events" | "personalize">, now: number): (statuses: readonly EventStatus[]) => void {
    const noted = batch.personalize !== undefined && this.#noted === batch.personalize;
    const done = beginWebWrite(this.#storage.sql, { signedIn: this.#sub !== null, hooks: this.hooks(), noted }, batch, now);
    if (this.#sub !== null && batch.personalize !== undefined) this.#noted = batch.personalize;
    return done;
  }

  /** What this instance remembers of the consent row is dropped (a write failed, the object was erased). */
  forgetConsent(): void {
    this.#noted = undefined;
  }

  /**
   * A backend's events (the object's `serverEvents`): once each, or none after a withdrawal.
   * `ensureSchema` makes the object's own tables, and is called only when something will be written.
   */
  serverEvents(batch: ServerBatch, ensureSchema: () => void, memory: { load: () => Memory; save: (m: Memory) => void }): ServerRecordResult {
    // Asked before the schema is made: a withdrawn visitor's note alone must not grow tables.
    if (refusesServerEvents(consentState(this.#storage.sql))) return { ok: false, code: "CONSENT_WITHDRAWN" };
    ensureSchema();
    const { halfLifeMs } = this.#settings();
    // A server's "no" to personalization is a consent write.
    this.#noted = undefined;
    return this.#storage.transactionSync(() => {
      // What the page needs of these events is folded into the memory row (./memory.ts), written once.
      const m = memory.load();
      const r = applyServerBatch(this.#storage.sql, m, batch, { halfLifeMs });
      if (r.ok && !r.replayed) memory.save(m);
      if (r.ok && r.personalizationRefused) this.hooks()?.dropPending(batch.now);
      return r;
    });
  }

  /**
   * The signed-in visitor said no to tracking: waiting hooks go, server events stop, until a web
   * request with consent comes back. Nothing is written for an object that holds nothing, unless
   * `keep` (the preference centre's explicit "don't remember me").
   */
  async withdraw(options: { now?: number; keep?: boolean }, holdsMemory: boolean): Promise<{ noted: boolean }> {
    const now = options.now ?? Date.now();
    if (!options.keep && !holdsMemory) return { noted: false };
    const state = consentState(this.#storage.sql);
    if (state?.withdrawnAt != null && (state.keepUntil ?? 0) >= now + REFUSAL_KEEP_MS - REWRITE_AFTER_MS) return { noted: true };
    this.#noted = undefined;
    this.#storage.transactionSync(() => {
      withdrawConsent(this.#storage.sql, now, now + REFUSAL_KEEP_MS);
      this.hooks()?.dropPending(now);
    });
    // An erased object's note needs its own alarm to go when it ends.
    if ((await this.#storage.getAlarm()) === null) await this.#storage.setAlarm(now + REFUSAL_KEEP_MS);
    return { noted: true };
  }

  /** When the alarm must run next for the channels (a hook due, a cart to check); null: not for them. */
  nextAlarm(now: number): number | null {
    return this.hooks()?.nextAt(now) ?? null;
  }

  /** After a write: the alarm brought forward when a hook is due sooner than it would run. */
  async scheduleAlarm(now: number): Promise<void> {
    const at = this.nextAlarm(now);
    if (at === null) return;
    const current = await this.#storage.getAlarm();
    if (current === null || current > at) await this.#storage.setAlarm(at);
  }

  /** The alarm's part: an abandoned cart queued, what is due sent. Never throws. */
  async run(now: number): Promise<void> {
    await this.hooks()?.run(now);
  }

  /**
   * Retention's erasure (`forget`), keeping a withdrawal's note (two dates) until its own end: a
   * "no" must outlive the memory it stopped.
   */
  async eraseKeepingRefusal(now: number, forget: () => Promise<void>): Promise<void> {
    const state = consentState(this.#storage.sql);
    await forget();
    if (state?.withdrawnAt == null || state.keepUntil == null || state.keepUntil <= now) return;
    const { withdrawnAt, keepUntil } = state;
    this.#noted = undefined;
    this.#storage.transactionSync(() => withdrawConsent(this.#storage.sql, withdrawnAt, keepUntil));
    const current = await this.#storage.getAlarm();
    if (current === null || current > keepUntil) await this.#storage.setAlarm(keepUntil);
  }
}
