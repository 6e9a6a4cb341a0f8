/**
 * The parts under server events and outbound hooks, each on its own: the Standard Webhooks
 * signature (ours verified by the `standardwebhooks` library and the other way round, key
 * rotation, anything malformed simply false), SERVER_EVENT_SOURCES and EVENT_HOOK_URL as the
 * config reads them (a bad one refuses the config, naming the variable and never quoting a key),
 * the retry schedule, and `Retry-After`.
 */
import { env } from "cloudflare:workers";
import { Webhook } from "standardwebhooks";
import { describe, expect, it, vi } from "vitest";
import { loadConfig } from "../../src/config/config.ts";
import { eventHookSettings, parseServerSources } from "../../src/config/integrations.ts";
import { HOOK_FIRST_RETRY_MS, HOOK_MAX_DELAY_MS, retryDelayMs } from "../../src/event-hooks/backoff.ts";
import { retryAfterMs } from "../../src/event-hooks/send.ts";
import { importWebhookKey, parseWebhookSecret, signWebhook, verifyWebhook } from "../../src/webhook-signature.ts";
import { SOURCE_KEYS } from "../fixtures/secrets.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const keyOf = async (secret: string) => importWebhookKey(parseWebhookSecret(secret)!);

describe("Standard Webhooks signatures", () => {
  const body = JSON.stringify({ sub: "cust-1042", events: [{ id: "e1", type: "case.opened", case: "1" }] });

  it("what we sign, the standardwebhooks library verifies; what it signs, we verify", async () => {
    const ts = Math.floor(Date.now() / 1000);
    const signature = await signWebhook(await keyOf(SOURCE_KEYS.crm), "msg_1", ts, body);
    expect(signature).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    const lib = new Webhook(SOURCE_KEYS.crm);
    expect(lib.verify(body, { "webhook-id": "msg_1", "webhook-timestamp": String(ts), "webhook-signature": signature })).toEqual(JSON.parse(body));
    const theirs = lib.sign("msg_2", new Date(ts * 1000), body);
    expect(await verifyWebhook([await keyOf(SOURCE_KEYS.crm)], { id: "msg_2", timestamp: ts, signature: theirs }, enc(body))).toBe(true);
  });

  it("while a key is rotated: several signatures in the header, several keys held; any pair that matches verifies", async () => {
    const ts = 1_732_363_200;
    const oldSig = await signWebhook(await keyOf(SOURCE_KEYS.helpdeskOld), "m", ts, body);
    const header = `v1,AAAA v2,whatever ${oldSig}`;
    expect(await verifyWebhook([await keyOf(SOURCE_KEYS.helpdeskNew), await keyOf(SOURCE_KEYS.helpdeskOld)], { id: "m", timestamp: ts, signature: header }, enc(body))).toBe(true);
    expect(await verifyWebhook([await keyOf(SOURCE_KEYS.helpdeskNew)], { id: "m", timestamp: ts, signature: header }, enc(body))).toBe(false);
  });

  it("anything else is false: another id, timestamp or body, another key, a truncated or malformed signature", async () => {
    const key = await keyOf(SOURCE_KEYS.crm);
    const ts = 1_732_363_200;
    const sig = await signWebhook(key, "m", ts, body);
    const check = (m: { id?: string; timestamp?: number; signature?: string }, b = body) => verifyWebhook([key], { id: m.id ?? "m", timestamp: m.timestamp ?? ts, signature: m.signature ?? sig }, enc(b));
    expect(await check({})).toBe(true);
    expect(await check({ id: "n" })).toBe(false);
    expect(await check({ timestamp: ts + 1 })).toBe(false);
    expect(await check({}, body.replace("cust-1042", "cust-1043"))).toBe(false);
    expect(await verifyWebhook([await keyOf(SOURCE_KEYS.helpdeskNew)], { id: "m", timestamp: ts, signature: sig }, enc(body))).toBe(false);
    // (Past the eighth signature in one header nothing is looked at.)
    for (const signature of [sig.slice(0, -4), sig.replace("v1,", "v1 "), "v1,", "v1,%%%%", `${"v1,AAAA ".repeat(8)}${sig}`, "", sig.replace("v1,", "V1,")]) {
      expect(await check({ signature }), signature.slice(0, 40)).toBe(false);
    }
  });

  it("before any authentication the body is hashed once per key held, however many signatures a sender offers", async () => {
    const keys = [await keyOf(SOURCE_KEYS.helpdeskNew), await keyOf(SOURCE_KEYS.helpdeskOld)];
    const big = enc("x".repeat(64 * 1024));
    const hmacs = vi.spyOn(crypto.subtle, "sign");
    const verifies = vi.spyOn(crypto.subtle, "verify");
    try {
      const forged = Array.from({ length: 8 }, (_, i) => `v1,${btoa(String.fromCharCode(i).repeat(32))}`).join(" ");
      expect(await verifyWebhook(keys, { id: "m", timestamp: 1, signature: forged }, big)).toBe(false);
      expect(hmacs.mock.calls.length + verifies.mock.calls.length).toBe(keys.length);
      // Nothing well formed offered: nothing hashed.
      hmacs.mockClear();
      expect(await verifyWebhook(keys, { id: "m", timestamp: 1, signature: "v1,AAAA v2,x" }, big)).toBe(false);
      expect(hmacs.mock.calls.length + verifies.mock.calls.length).toBe(0);
    } finally {
      hmacs.mockRestore();
      verifies.mockRestore();
    }
  });

  it("a key is whsec_ and base64 of at least 24 bytes", () => {
    expect(parseWebhookSecret(SOURCE_KEYS.crm)?.byteLength).toBe(33);
    for (const bad of ["", "whsec_", "hunter2", `whsec_${btoa("x".repeat(23))}`, "whsec_not base64!", SOURCE_KEYS.crm.slice(6)]) expect(parseWebhookSecret(bad), bad).toBeNull();
  });
});

describe("SERVER_EVENT_SOURCES", () => {
  it("takes a key, or keys and the event types a source may send", () => {
    const sources = parseServerSources(JSON.stringify({ crm: SOURCE_KEYS.crm, helpdesk: { keys: [SOURCE_KEYS.helpdeskNew, SOURCE_KEYS.helpdeskOld], events: ["case.opened"] } }));
    expect(sources.get("crm")).toMatchObject({ events: null });
    expect(sources.get("crm")!.keys).toHaveLength(1);
    expect(sources.get("helpdesk")!.keys).toHaveLength(2);
    expect([...sources.get("helpdesk")!.events!]).toEqual(["case.opened"]);
    expect(parseServerSources("").size).toBe(0);
    expect(parseServerSources(undefined).size).toBe(0);
  });

  it("refuses what it cannot use, naming where, never quoting a key", () => {
    const weak = `whsec_${btoa("short-key-0123")}`;
    const cases: Array<[unknown, RegExp]> = [
      ["{not json", /not JSON/],
      [JSON.stringify({ crm: weak }), /SERVER_EVENT_SOURCES\.crm\.keys\.0: a key is whsec_ followed by base64/],
      [JSON.stringify({ CRM: SOURCE_KEYS.crm }), /source name/],
      [JSON.stringify({ a: SOURCE_KEYS.crm, b: SOURCE_KEYS.crm }), /SERVER_EVENT_SOURCES\.b: a key is shared/],
      [JSON.stringify({ crm: { keys: [SOURCE_KEYS.crm], events: ["order.cancelled"] } }), /events/],
      [JSON.stringify({ crm: { keys: [SOURCE_KEYS.crm, SOURCE_KEYS.helpdeskNew, SOURCE_KEYS.helpdeskOld, `whsec_${btoa("k".repeat(32))}`] } }), /at most 3 keys/],
      [JSON.stringify({ crm: { keys: [] } }), /at least one key/],
      [JSON.stringify(Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`s${i}`, `whsec_${btoa(`key-${i}`.padEnd(32, "x"))}`]))), /at most 16 sources/],
    ];
    for (const [text, message] of cases) {
      let thrown: unknown;
      try {
        parseServerSources(String(text));
      } catch (err) {
        thrown = err;
      }
      expect(String(thrown), String(text).slice(0, 60)).toMatch(message);
      expect(String(thrown)).not.toMatch(/whsec_[A-Za-z0-9+/]/);
    }
  });

  it("a bad value refuses the whole config (CONFIG_INVALID), as any unreadable var does", () => {
    const loaded = loadConfig({ ...env, SERVER_EVENT_SOURCES: JSON.stringify({ crm: "whsec_c2hvcnQ=" }) });
    expect(loaded.ok).toBe(false);
    if (!loaded.ok) {
      expect(loaded.problem.code).toBe("CONFIG_INVALID");
      expect(loaded.problem.message).toContain("SERVER_EVENT_SOURCES.crm");
      expect(loaded.problem.message).not.toContain("c2hvcnQ");
    }
  });
});

describe("EVENT_HOOK_URL and EVENT_HOOK_SECRET", () => {
  const secret = "whsec_dGVzdC1ob29rLXNlY3JldC0wMTIzNDU2Nzg5YWJjZGVm";
  it("off without a URL; https (or http on localhost) with its secret", () => {
    expect(eventHookSettings(undefined, secret)).toBeUndefined();
    expect(eventHookSettings("https://hooks.example.com/p13n", secret)?.url.href).toBe("https://hooks.example.com/p13n");
    expect(eventHookSettings("http://localhost:8788/hook", secret)?.url.port).toBe("8788");
  });

  it("refuses plain http elsewhere, credentials in the URL, and a URL without its secret", () => {
    expect(() => eventHookSettings("http://hooks.example.com/", secret)).toThrow(/https/);
    expect(() => eventHookSettings("https://user:pw@hooks.example.com/", secret)).toThrow(/credentials/);
    expect(() => eventHookSettings("https://hooks.example.com/", undefined)).toThrow(/EVENT_HOOK_SECRET: required/);
    expect(() => eventHookSettings("https://hooks.example.com/", "hunter2")).toThrow(/EVENT_HOOK_SECRET/);
    expect(() => eventHookSettings("nope", secret)).toThrow(/EVENT_HOOK_URL/);
  });
});

describe("the retry schedule", () => {
  it("doubles from 30 s with up to 20 % jitter, capped at 6 h, the same on every run", () => {
    for (let attempt = 1; attempt <= 14; attempt++) {
      const base = Math.min(HOOK_MAX_DELAY_MS, HOOK_FIRST_RETRY_MS * 2 ** (attempt - 1));
      for (const id of ["msg_a", "msg_b", "msg_c"]) {
        const d = retryDelayMs(attempt, id);
        expect(d).toBeGreaterThanOrEqual(base);
        expect(d).toBeLessThanOrEqual(Math.min(HOOK_MAX_DELAY_MS, base * 1.2));
        expect(retryDelayMs(attempt, id)).toBe(d);
      }
    }
    // Jitter spreads objects that failed together.
    expect(new Set(Array.from({ length: 50 }, (_, i) => retryDelayMs(1, `msg_${i}`))).size).toBeGreaterThan(40);
  });

  it("a receiver's Retry-After wins when longer, within the cap", () => {
    expect(retryDelayMs(1, "m", 600_000)).toBe(600_000);
    expect(retryDelayMs(1, "m", 1_000)).toBeGreaterThanOrEqual(30_000);
    expect(retryDelayMs(1, "m", 48 * 3_600_000)).toBe(HOOK_MAX_DELAY_MS);
    const now = Date.parse("2026-11-23T12:00:00Z");
    expect(retryAfterMs("120", now)).toBe(120_000);
    expect(retryAfterMs("Mon, 23 Nov 2026 12:05:00 GMT", now)).toBe(300_000);
    for (const junk of [null, "", "soon", "-5", "0"]) expect(retryAfterMs(junk, now)).toBeUndefined();
  });
});
