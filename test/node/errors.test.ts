/**
 * The one error catalogue (src/errors.ts) in plain Node: each code's status, what the public is
 * told and what an editor is told, and that nothing unexpected leaks.
 */
import { describe, expect, it } from "vitest";
import { ERRORS, errorResponse, P13nError, refuse } from "../../src/errors.ts";

const json = async (res: Response) => JSON.parse(await res.text()) as { error: Record<string, unknown> } & Record<string, unknown>;

describe("the error catalogue", () => {
  it.each([
    ["CROSS_SITE", 403],
    ["BEACON_TOO_LARGE", 413],
    ["NO_VISITOR", 401],
    ["RATE_LIMITED", 429],
    ["STATE_TIMEOUT", 503],
    ["NOT_STORED", 409],
    ["MANIFEST_INVALID", 422],
    ["VERSION_EXISTS", 409],
    ["CONFIG_INVALID", 500],
  ] as const)("%s answers %i with the caller's message", async (code, status) => {
    const res = refuse(code, "what was wrong and how to fix it", { "cache-control": "no-store" });
    expect(res.status).toBe(status);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
    const body = await json(res);
    expect(body.error.code).toBe(code);
    if (code !== "CONFIG_INVALID") expect(body.error.message).toBe("what was wrong and how to fix it");
  });

  it("an internal code's message is for editors only; the public gets the catalogue's", async () => {
    const err = new P13nError("CONFIG_INVALID", "PROFILE_ISSUER is required (PROFILE_SECRET is set)");
    expect((await json(errorResponse(err))).error).toEqual({ code: "CONFIG_INVALID", message: "internal error" });
    expect((await json(errorResponse(err, { editor: true }))).error.message).toContain("PROFILE_ISSUER");
  });

  it("anything not a P13nError is INTERNAL, 500, and says nothing", async () => {
    const res = errorResponse(new TypeError("x is undefined at /src/secret.ts:12"), { editor: true });
    expect(res.status).toBe(500);
    expect((await json(res)).error).toEqual({ code: "INTERNAL", message: "internal error" });
  });

  it("an uncaught error is 500 whatever its code, with its code and no message", async () => {
    const res = errorResponse(new P13nError("MANIFEST_INVALID", "version v9: slots.hero…"), { uncaught: true });
    expect(res.status).toBe(500);
    expect((await json(res)).error).toEqual({ code: "MANIFEST_INVALID", message: "internal error" });
  });

  it("carries a path, the issues of a refused manifest, and extra top-level fields", async () => {
    const err = Object.assign(new P13nError("MANIFEST_INVALID", "2 issues", { path: ["slots", "hero"] }), { issues: [{ path: ["slots"], message: "x" }] });
    const body = await json(errorResponse(err, { extra: { results: [] } }));
    expect(body).toEqual({ error: { code: "MANIFEST_INVALID", message: "2 issues", path: ["slots", "hero"], issues: [{ path: ["slots"], message: "x" }] }, results: [] });
  });

  it("every code has a status and a public message", () => {
    for (const [code, entry] of Object.entries(ERRORS)) {
      expect(entry.status, code).toBeGreaterThanOrEqual(400);
      expect(entry.message.length, code).toBeGreaterThan(0);
    }
  });
});
