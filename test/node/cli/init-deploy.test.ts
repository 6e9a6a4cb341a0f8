/**
 * `p13n init` and `p13n deploy` (npm run deploy) through a replaced cli/io.ts answering with
 * wrangler 4's recorded outputs (test/fixtures/wrangler-outputs.ts): the dry-run plans call
 * nothing; init creates what is missing, writes the ids, route and origin into wrangler.toml,
 * applies migrations and sets generated secrets, and a second run creates and changes
 * nothing; deploy refuses placeholders, demo assets and an origin that is the Worker itself,
 * and otherwise publishes content/ to the production KV and deploys.
 */
import { cp, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Io, RunResult, WranglerOptions } from "../../../cli/io.ts";
import { runCli } from "../../../cli/run.ts";
import * as out from "../../fixtures/wrangler-outputs.ts";

const ROOT = resolve(import.meta.dirname, "../../..");

interface Call {
  args: string[];
  input?: string;
  online?: boolean;
}

/** The CLI's io, replaced: wrangler answers from `respond`, every call recorded. */
function recordingIo(respond: (args: readonly string[]) => RunResult) {
  const calls: Call[] = [];
  const printed: string[] = [];
  const errors: string[] = [];
  const io: Io = {
    async wrangler(args: readonly string[], opts: WranglerOptions = {}) {
      calls.push({ args: [...args], ...(opts.input !== undefined ? { input: opts.input } : {}), ...(opts.online ? { online: true } : {}) });
      return respond(args);
    },
    startWrangler() {
      throw new Error("not in tests");
    },
    fetch: () => Promise.reject(new Error("no network in tests")),
    print: (t) => void printed.push(t),
    printErr: (t) => void errors.push(t),
  };
  return { io, calls, out: () => printed.join("\n"), err: () => errors.join("\n") };
}

const ok = (stdout: string): RunResult => ({ code: 0, stdout, stderr: "" });

/** A Cloudflare account as wrangler shows it, with state that init's calls change. */
function account(initial: { kv?: boolean; d1?: boolean; secrets?: boolean } = {}) {
  const state = { kv: initial.kv ?? false, d1: initial.d1 ?? false, secrets: initial.secrets ?? false, kvKeys: new Map<string, string>() };
  const respond = (args: readonly string[]): RunResult => {
    const cmd = args.slice(0, 3).join(" ");
    if (cmd.startsWith("whoami")) return ok(out.whoamiJson);
    if (cmd === "kv namespace list") return ok(state.kv ? out.kvListWith : out.kvListEmpty);
    if (cmd === "kv namespace create") return (state.kv = true), ok(out.kvCreate);
    if (cmd === "d1 list --json") return ok(state.d1 ? out.d1ListWith : out.d1ListEmpty);
    if (cmd === "d1 create p13n-results") return (state.d1 = true), ok(out.d1Create);
    if (cmd === "d1 migrations apply") return ok(out.migrationsApplied);
    if (cmd.startsWith("secret list")) return state.secrets ? ok(out.secretListAll) : { code: 1, stdout: "", stderr: out.secretListNotFound };
    if (cmd.startsWith("secret put")) return ok(out.secretPut(args[2]!));
    if (cmd === "kv key get") return ok(state.kvKeys.get(args[3]!) ?? out.kvValueNotFound);
    if (cmd === "kv key put") return ok("");
    if (cmd.startsWith("deploy")) return ok(out.deploySummary);
    return { code: 99, stdout: "", stderr: `unexpected wrangler ${args.join(" ")}` };
  };
  return { state, respond };
}

let dir: string;
const ENV_KEYS = ["P13N_PROFILE_SECRET", "P13N_VISITOR_SECRET", "P13N_ADMIN_TOKEN", "P13N_METRICS_API_TOKEN"];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "p13n-init-"));
  await cp(join(ROOT, "wrangler.toml"), join(dir, "wrangler.toml"));
  await cp(join(ROOT, "content"), join(dir, "content"), { recursive: true });
  await cp(join(ROOT, "migrations"), join(dir, "migrations"), { recursive: true });
  for (const k of ENV_KEYS) delete process.env[k];
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const toml = () => readFile(join(dir, "wrangler.toml"), "utf8");
const INIT = ["init", "--yes", "--route", "www.shop.example/*", "--issuer", "https://www.shop.example"];

describe("p13n init --dry-run", () => {
  it("prints every step with its exact command, and calls and writes nothing", async () => {
    const before = await toml();
    const fake = recordingIo(() => ({ code: 99, stdout: "", stderr: "must not be called" }));
    expect(await runCli([...INIT, "--dry-run"], { io: fake.io, cwd: dir })).toBe(0);
    expect(fake.calls).toEqual([]);
    expect(await toml()).toBe(before);
    const plan = fake.out();
    for (const line of [
      "npx wrangler whoami --json",
      "npx wrangler kv namespace list",
      "npx wrangler kv namespace create p13n-content   (only if missing)",
      "npx wrangler d1 list --json",
      "npx wrangler d1 create p13n-results   (only if missing)",
      'routes = [{ pattern = "www.shop.example/*", zone_name = "shop.example" }]',
      'ORIGIN_URL = ""   (the zone\'s own origin)',
      'PROFILE_ISSUER = "https://www.shop.example"',
      "npx wrangler d1 migrations apply RESULTS --remote --env=",
      "npx wrangler secret list --env=",
      "npx wrangler secret put PROFILE_SECRET --env=",
      "npx wrangler secret put ADMIN_TOKEN --env=",
    ]) {
      expect(plan).toContain(line);
    }
  });
});

describe("p13n init", () => {
  it("creates what is missing, writes ids, route, origin and issuer, applies migrations, sets generated secrets", async () => {
    const acct = account();
    const fake = recordingIo(acct.respond);
    expect(await runCli(INIT, { io: fake.io, cwd: dir }), fake.err()).toBe(0);
    const t = await toml();
    const prod = t.slice(0, t.indexOf("\n[env.dev]\n"));
    expect(prod).toContain(`account_id = "${out.ACCOUNT_ID}"`);
    expect(prod).toMatch(new RegExp(`\\[\\[kv_namespaces\\]\\]\\nbinding = "CONTENT"\\nid = "${out.KV_ID}"`));
    expect(prod).toContain(`database_id = "${out.D1_ID}"`);
    expect(prod).toContain('routes = [{ pattern = "www.shop.example/*", zone_name = "shop.example" }]');
    expect(prod).toContain('PROFILE_ISSUER = "https://www.shop.example"');
    expect(prod).toContain(`METRICS_ACCOUNT_ID = "${out.ACCOUNT_ID}"`);
    // The dev environment keeps its local ids and the demo.
    const dev = t.slice(t.indexOf("\n[env.dev]\n"));
    expect(dev).toContain('id = "p13n-content"');
    expect(dev).toContain('PROFILE_ISSUER = "https://demo-shop.example"');
    expect(dev).toContain('binding = "DEMO_ORIGIN"');

    const commands = fake.calls.map((c) => c.args.join(" "));
    expect(commands).toEqual([
      "whoami --json",
      "kv namespace list",
      "kv namespace create p13n-content",
      "kv namespace list",
      "d1 list --json",
      "d1 create p13n-results",
      "d1 list --json",
      "d1 migrations apply RESULTS --remote --env=",
      "secret list --env=",
      "secret put PROFILE_SECRET --env=",
      "secret put VISITOR_SECRET --env=",
      "secret put ADMIN_TOKEN --env=",
    ]);
    expect(fake.calls.every((c) => c.online)).toBe(true);
    // Strong random secrets, each different, sent on standard input (never on the command line).
    const values = fake.calls.filter((c) => c.args[0] === "secret" && c.args[1] === "put").map((c) => c.input ?? "");
    for (const v of values) expect(v).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(new Set(values).size).toBe(3);
    const file = join(dir, "p13n-secrets.local");
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readFile(file, "utf8")).toContain(`PROFILE_SECRET=${values[0]}`);
  });

  it("re-run: finds everything, creates nothing, keeps the secrets, leaves wrangler.toml as it was", async () => {
    const acct = account();
    expect(await runCli(INIT, { io: recordingIo(acct.respond).io, cwd: dir })).toBe(0);
    acct.state.secrets = true;
    const first = await toml();
    const again = recordingIo(acct.respond);
    expect(await runCli(INIT, { io: again.io, cwd: dir }), again.err()).toBe(0);
    expect(await toml()).toBe(first);
    expect(again.calls.map((c) => c.args.slice(0, 3).join(" "))).toEqual(["whoami --json", "kv namespace list", "d1 list --json", "d1 migrations apply", "secret list --env="]);
    expect(again.err()).toContain("PROFILE_SECRET: kept (already set)");
  });

  it("takes the site owner's own secret from the environment instead of generating one", async () => {
    process.env.P13N_PROFILE_SECRET = "the-backend-already-has-this-key-0123456789";
    const fake = recordingIo(account({ kv: true, d1: true }).respond);
    expect(await runCli(INIT, { io: fake.io, cwd: dir })).toBe(0);
    expect(fake.calls.find((c) => c.args[2] === "PROFILE_SECRET")?.input).toBe("the-backend-already-has-this-key-0123456789");
    expect(await readFile(join(dir, "p13n-secrets.local"), "utf8")).not.toContain("PROFILE_SECRET=");
  });

  it("asks when someone is at the terminal", async () => {
    const fake = recordingIo(account({ kv: true, d1: true, secrets: true }).respond);
    const answers: Record<string, string> = { "Route": "shop.example/*", "Origin URL": "https://origin.shop-hosting.net", "Issuer": "", "Audience": "" };
    fake.io.ask = async (q, d) => Object.entries(answers).find(([k]) => q.startsWith(k))?.[1] || d;
    expect(await runCli(["init"], { io: fake.io, cwd: dir }), fake.err()).toBe(0);
    const t = await toml();
    expect(t).toContain('routes = [{ pattern = "shop.example/*", zone_name = "shop.example" }]');
    expect(t).toContain('ORIGIN_URL = "https://origin.shop-hosting.net"');
    expect(t).toContain('PROFILE_ISSUER = "https://shop.example"');
  });

  it("stops with the fix when nobody is logged in", async () => {
    const fake = recordingIo((args) => (args[0] === "whoami" ? { code: 1, stdout: '{"loggedIn":false}', stderr: "" } : { code: 99, stdout: "", stderr: "" }));
    expect(await runCli(INIT, { io: fake.io, cwd: dir })).toBe(1);
    expect(fake.err()).toContain("npx wrangler login");
    expect(fake.calls).toHaveLength(1);
  });
});

describe("npm run deploy", () => {
  async function initialized() {
    expect(await runCli(INIT, { io: recordingIo(account().respond).io, cwd: dir })).toBe(0);
  }

  it("--dry-run: checks pass after init, content validates, and the plan is printed without a call", async () => {
    await initialized();
    const fake = recordingIo(() => ({ code: 99, stdout: "", stderr: "must not be called" }));
    expect(await runCli(["deploy", "--dry-run"], { io: fake.io, cwd: dir }), fake.err()).toBe(0);
    expect(fake.calls).toEqual([]);
    expect(fake.err()).toContain("ok: p13n-edge, route www.shop.example/*, origin the zone's own");
    expect(fake.out()).toMatch(/publish content version \S+ \(5 slots\) to the production KV/);
    expect(fake.out()).toContain("npx wrangler kv key put manifest/current --path <pointer.json> --binding CONTENT --remote --env=");
    expect(fake.out()).toContain("npx wrangler deploy --env=");
  });

  it("refuses the repository's own config as it is: placeholder ids, no route — each with its fix", async () => {
    const fake = recordingIo(() => ({ code: 99, stdout: "", stderr: "" }));
    expect(await runCli(["deploy", "--dry-run"], { io: fake.io, cwd: dir })).toBe(1);
    const err = fake.err();
    expect(err).toContain("PLACEHOLDER_KV");
    expect(err).toContain("PLACEHOLDER_D1");
    expect(err).toContain("NO_ROUTE");
    expect(err).toContain("fix: run `npx p13n init");
    expect(fake.calls).toEqual([]);
  });

  it("refuses the demo shop's assets in production and an ORIGIN_URL the route covers", async () => {
    await initialized();
    let t = await toml();
    t = t.replace("[observability]", '[assets]\ndirectory = "./demo/site"\nbinding = "DEMO_ORIGIN"\n\n[observability]');
    t = t.replace(/^ORIGIN_URL = ""$/m, 'ORIGIN_URL = "https://www.shop.example"');
    await writeFile(join(dir, "wrangler.toml"), t);
    const fake = recordingIo(() => ({ code: 99, stdout: "", stderr: "" }));
    expect(await runCli(["deploy"], { io: fake.io, cwd: dir })).toBe(1);
    expect(fake.err()).toContain("DEMO_ASSETS");
    expect(fake.err()).toContain("move the [assets] table into [env.dev.assets]");
    expect(fake.err()).toContain("ORIGIN_IS_SELF");
    expect(fake.calls).toEqual([]);
  });

  it("refuses --env: only the production config is deployed", async () => {
    const fake = recordingIo(() => ({ code: 99, stdout: "", stderr: "" }));
    expect(await runCli(["deploy", "--env", "dev"], { io: fake.io, cwd: dir })).toBe(2);
  });

  it("publishes content/ to the production KV, then deploys, and says where to look", async () => {
    await initialized();
    const acct = account({ kv: true, d1: true, secrets: true });
    const fake = recordingIo(acct.respond);
    expect(await runCli(["deploy"], { io: fake.io, cwd: dir }), fake.err()).toBe(0);
    const commands = fake.calls.map((c) => c.args);
    expect(commands[0]).toEqual(["kv", "key", "get", "manifest/current", "--binding", "CONTENT", "--remote", "--env=", "--text"]);
    expect(commands[1]?.slice(0, 4)).toEqual(["kv", "key", "put", expect.stringMatching(/^manifest\/versions\//)]);
    expect(commands[1]).toContain("--remote");
    expect(commands[2]?.slice(0, 4)).toEqual(["kv", "key", "put", "manifest/current"]);
    expect(commands[3]).toEqual(["deploy", "--env="]);
    expect(fake.calls.every((c) => c.online)).toBe(true);
    expect(fake.out()).toContain(`version ${out.VERSION_ID}`);
    expect(fake.out()).toContain("curl -s https://www.shop.example/__p13n/healthz");
  });
});
