// `p13n token` mints a cookie the Worker accepts: jose verifies it with the same secret, issuer and audience.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jwtVerify } from "jose";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mintProfileToken, readProfileSettings } from "../../../cli/profile-token.ts";
import { parseDevVars } from "../../../cli/dev-vars.ts";
import { runCli } from "../../../cli/run.ts";
import { fakeIo } from "./helpers.ts";

const SECRET = "test-secret-for-the-token-command-0123456789";
const key = new TextEncoder().encode(SECRET);
let cwd: string;
let savedEnvSecret: string | undefined;

beforeEach(async () => {
  cwd = await mkdtemp(join(tmpdir(), "p13n-token-test-"));
  await writeFile(join(cwd, ".dev.vars"), `# dev only\nPROFILE_SECRET="${SECRET}"\nADMIN_TOKEN=abc\n`);
  await writeFile(join(cwd, "wrangler.toml"), '[vars]\nPROFILE_COOKIE = "shop_profile"\nPROFILE_ISSUER = "https://shop.test"\nPROFILE_AUDIENCE = "edge"\n\n[[kv_namespaces]]\nbinding = "CONTENT"\n');
  savedEnvSecret = process.env.PROFILE_SECRET;
  delete process.env.PROFILE_SECRET;
});
afterEach(async () => {
  if (savedEnvSecret !== undefined) process.env.PROFILE_SECRET = savedEnvSecret;
  await rm(cwd, { recursive: true, force: true });
});

describe("mintProfileToken", () => {
  it("round-trips through jose with every claim the contract names", async () => {
    const jwt = await mintProfileToken(
      { sub: "u1", tier: "gold", stage: "new", topics: ["running"], frequency: "fewer", attrs: { subscribed: true }, consent: { personalize: true, track: false }, ttlSeconds: 600, issuer: "https://demo-shop.example", audience: "p13n-edge" },
      SECRET,
    );
    const { payload, protectedHeader } = await jwtVerify(jwt, key, { issuer: "https://demo-shop.example", audience: "p13n-edge", algorithms: ["HS256"] });
    expect(protectedHeader.alg).toBe("HS256");
    expect(payload).toMatchObject({ sub: "u1", tier: "gold", stage: "new", prefs: { topics: ["running"], frequency: "fewer" }, attrs: { subscribed: true }, consent: { personalize: true, track: false } });
    expect(payload.exp! - payload.iat!).toBe(600);
  });
});

describe("p13n token", () => {
  it("signs with PROFILE_SECRET from .dev.vars and the issuer, audience and cookie name from wrangler.toml", async () => {
    const io = fakeIo();
    const code = await runCli(["token", "--tier", "gold", "--stage", "new", "--topics", "running,yoga", "--attr", "visits=3", "--ttl", "120"], { io, cwd });
    expect(code).toBe(0);
    const [jwt, ...rest] = io.out.join("\n").split("\n");
    const { payload } = await jwtVerify(jwt!, key, { issuer: "https://shop.test", audience: "edge" });
    expect(payload).toMatchObject({ sub: "demo-gold-new", tier: "gold", stage: "new", prefs: { topics: ["running", "yoga"] }, attrs: { visits: 3 } });
    expect(rest).toContain(`curl -H "Cookie: shop_profile=${jwt}" http://localhost:8787/`);
  });

  it("prints only the JWT with --jwt-only", async () => {
    const io = fakeIo();
    expect(await runCli(["token", "--jwt-only"], { io, cwd })).toBe(0);
    expect(io.out).toHaveLength(1);
    expect(io.out[0]).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
  });

  it("refuses a stage outside the contract with a usage error (exit 2)", async () => {
    const io = fakeIo();
    expect(await runCli(["token", "--stage", "veteran"], { io, cwd })).toBe(2);
    expect(io.err.join("\n")).toContain("--stage must be one of new, developing, established");
  });

  it("says how to get a secret when there is none", async () => {
    await rm(join(cwd, ".dev.vars"));
    const io = fakeIo();
    expect(await runCli(["token"], { io, cwd })).toBe(1);
    expect(io.err.join("\n")).toContain("npm run dev");
  });
});

describe("settings files", () => {
  it("parses .dev.vars lines, quoted or not", () => {
    expect(parseDevVars('# c\nA=1\nB="two words"\nexport C=\'x\'\n\nbad line\n')).toEqual({ A: "1", B: "two words", C: "x" });
  });

  it("falls back to the contract's defaults without wrangler.toml", async () => {
    await rm(join(cwd, "wrangler.toml"));
    // typ added with PROFILE_TYP (issue 12, item 9): the Worker's default.
    expect(await readProfileSettings(cwd)).toEqual({ cookie: "p13n_profile", issuer: "https://demo-shop.example", audience: "p13n-edge", typ: "p13n-profile+jwt" });
  });

  it("the token carries the typ the Worker requires: PROFILE_TYP from wrangler.toml, else its default", async () => {
    const io = fakeIo();
    expect(await runCli(["token", "--jwt-only"], { io, cwd })).toBe(0);
    expect((await jwtVerify(io.out[0]!, key, { typ: "p13n-profile+jwt" })).protectedHeader.typ).toBe("p13n-profile+jwt");
    await writeFile(join(cwd, "wrangler.toml"), '[vars]\nPROFILE_ISSUER = "https://shop.test"\nPROFILE_AUDIENCE = "edge"\nPROFILE_TYP = "shop-profile+jwt"\n');
    const custom = fakeIo();
    expect(await runCli(["token", "--jwt-only"], { io: custom, cwd })).toBe(0);
    expect((await jwtVerify(custom.out[0]!, key, { typ: "shop-profile+jwt" })).protectedHeader.typ).toBe("shop-profile+jwt");
  });
});
