/**
 * The Node snippet a backend copies (examples/server-events/node/server-events.mjs), against the
 * real Worker: its signed message is taken (and resent after a 503 with the same id, recorded
 * once); its hook verifier accepts a hook the Worker really sent, and refuses it altered.
 */
import { createExecutionContext, runDurableObjectAlarm, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { sendServerEvents, signServerEvents, verifyHook } from "../../examples/server-events/node/server-events.mjs";
import { createApp } from "../../src/app.ts";
import { call } from "../fixtures/call.ts";
import { deliveriesFor } from "../fixtures/hook-receiver.ts";
import { SOURCE_KEYS, TEST_SECRETS } from "../fixtures/secrets.ts";
import { eventId, visitorObject } from "../fixtures/visitor.ts";

const noOrigin = () => Promise.reject(new Error("no origin"));

describe("the Node snippet", () => {
  it("signs a message the Worker takes", async () => {
    const sub = `snippet-${crypto.randomUUID()}`;
    const body = JSON.stringify({ sub, events: [{ id: "case-1-opened", type: "case.opened", case: "1" }] });
    const headers = signServerEvents(body, { source: "helpdesk", secret: SOURCE_KEYS.helpdeskNew });
    const { res, body: answer } = await call(noOrigin, "/__p13n/events/server", { method: "POST", headers, body });
    expect(res.status).toBe(200);
    expect(JSON.parse(answer)).toMatchObject({ accepted: 1 });
  });

  it("resends after a 503 with the same id, signed anew: recorded once", async () => {
    const sub = `snippet-${crypto.randomUUID()}`;
    const seen: Array<{ id: string | null; signature: string | null }> = [];
    const app = createApp({ originFetch: noOrigin });
    const worker = async (request: Request) => {
      seen.push({ id: request.headers.get("webhook-id"), signature: request.headers.get("webhook-signature") });
      if (seen.length === 1) return new Response(JSON.stringify({ error: { code: "STATE_UNAVAILABLE" } }), { status: 503, headers: { "retry-after": "0.01" } });
      const ctx = createExecutionContext();
      const res = await app.fetch(request, env, ctx);
      await waitOnExecutionContext(ctx);
      return res;
    };
    const answer = await sendServerEvents("https://shop.example", { sub, events: [{ id: "order-1", type: "order.placed", value: 10 }] }, { source: "crm", secret: SOURCE_KEYS.crm, fetch: worker });
    expect(answer).toMatchObject({ accepted: 1 });
    expect(seen).toHaveLength(2);
    expect(seen[1]!.id).toBe(seen[0]!.id);
    expect((await visitorObject(`sub:${sub}`).snapshot()).conversions).toBe(1);
  });

  it("verifies a hook the Worker sent, and refuses it altered or with another secret", async () => {
    const sub = `snippet-${crypto.randomUUID()}`;
    const now = Date.now();
    await visitorObject(`sub:${sub}`).record({ now, personalize: true, events: [{ type: "conversion", id: eventId(), at: now, goal: "purchase", value: 5, topics: [] }] });
    await runDurableObjectAlarm(visitorObject(`sub:${sub}`));
    const [d] = await deliveriesFor(sub);
    expect(verifyHook(d!.body, d!.headers, TEST_SECRETS.EVENT_HOOK_SECRET)).toMatchObject({ type: "conversion", sub, conversion: { goal: "purchase", value: 5 } });
    expect(() => verifyHook(d!.body.replace('"value":5', '"value":500'), d!.headers, TEST_SECRETS.EVENT_HOOK_SECRET)).toThrow(/does not verify/);
    expect(() => verifyHook(d!.body, d!.headers, SOURCE_KEYS.crm)).toThrow(/does not verify/);
    expect(() => verifyHook(d!.body, d!.headers, TEST_SECRETS.EVENT_HOOK_SECRET, { now: now + 3_600_000 })).toThrow(/out of range/);
  });
});
