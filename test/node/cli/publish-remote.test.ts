// `p13n publish --url … --token …`: one JSON upload to the admin API, progress on stderr, the version on stdout.
import { afterEach, describe, expect, it } from "vitest";
import { runCli } from "../../../cli/run.ts";
import { makeRepo, type TempRepo } from "../content/helpers.ts";
import { httpIo, REMOTE } from "./helpers.ts";

let repo: TempRepo | undefined;
afterEach(async () => {
  await repo?.cleanup();
  repo = undefined;
  delete process.env.P13N_URL;
  delete process.env.P13N_ADMIN_TOKEN;
});

describe("publish to a deployed Worker", () => {
  it("uploads the manifest with the bearer token and prints the version id", async () => {
    repo = await makeRepo();
    const io = httpIo((req) => ({ status: 201, body: { version: (req.body as { manifest: { version: string } }).manifest.version, activated: true, written: true, previous: "old-1", sanitized: [], warnings: [] } }));
    const code = await runCli(["publish", ...REMOTE], { io, cwd: repo.root });
    expect(code).toBe(0);
    expect(io.sent).toHaveLength(1);
    const [req] = io.sent;
    expect(req!.method).toBe("POST");
    expect(req!.url).toBe("https://shop.example/__p13n/admin/publish");
    expect(req!.headers.authorization).toBe("Bearer t0ken");
    expect(req!.headers["content-type"]).toBe("application/json");
    const body = req!.body as { manifest: { version: string; slots: Record<string, unknown> }; activate: boolean };
    expect(body.activate).toBe(true);
    expect(Object.keys(body.manifest.slots)).toEqual(["hero", "news"]);
    expect(io.out).toEqual([body.manifest.version]);
    expect(io.err.join("\n")).toMatch(/uploading version .* \(\d+\.\d KiB\) to https:\/\/shop\.example…/);
    expect(io.err.join("\n")).toContain("previous: old-1");
  });

  it("takes the target from P13N_URL / P13N_ADMIN_TOKEN, and --stage does not activate", async () => {
    repo = await makeRepo();
    process.env.P13N_URL = "https://shop.example";
    process.env.P13N_ADMIN_TOKEN = "from-env";
    const io = httpIo((req) => ({ status: 201, body: { version: "v", activated: false, written: true, previous: null, sanitized: [], warnings: [] } }));
    expect(await runCli(["publish", "--stage"], { io, cwd: repo.root })).toBe(0);
    expect(io.sent[0]!.headers.authorization).toBe("Bearer from-env");
    expect((io.sent[0]!.body as { activate: boolean }).activate).toBe(false);
    expect(io.err.join("\n")).toContain("staged");
  });

  it("shows the Worker's refusal with every issue, exit 1", async () => {
    repo = await makeRepo();
    const io = httpIo(() => ({ status: 422, body: { error: { code: "MANIFEST_INVALID", message: "1 problem", issues: [{ path: ["manifest", "slots", "hero"], message: "bad" }] } } }));
    expect(await runCli(["publish", ...REMOTE], { io, cwd: repo.root })).toBe(1);
    expect(io.err.join("\n")).toContain("MANIFEST_INVALID: 1 problem");
    expect(io.err.join("\n")).toContain("manifest.slots.hero: bad");
    expect(io.out).toEqual([]);
  });

  it("lists what the Worker sanitized", async () => {
    repo = await makeRepo();
    const io = httpIo(() => ({ status: 201, body: { version: "v", activated: true, written: true, previous: null, sanitized: [{ slot: "hero", variant: "gold", what: "<script>", message: "<script> removed", path: [] }], warnings: [] } }));
    expect(await runCli(["publish", ...REMOTE], { io, cwd: repo.root })).toBe(0);
    expect(io.err.join("\n")).toContain("sanitized hero/gold: <script> removed");
  });

  it("needs a token for a URL, and a target at all", async () => {
    repo = await makeRepo();
    const io = httpIo(() => ({ body: {} }));
    expect(await runCli(["publish", "--url", "https://shop.example"], { io, cwd: repo.root })).toBe(2);
    expect(io.err.join("\n")).toContain("P13N_ADMIN_TOKEN");
    expect(await runCli(["publish"], { io, cwd: repo.root })).toBe(2);
    expect(io.sent).toHaveLength(0);
  });

  it("does not upload content with errors", async () => {
    repo = await makeRepo({ "segments.yaml": "gold:\n  attr: profile.teir\n  eq: gold\n" });
    const io = httpIo(() => ({ body: {} }));
    expect(await runCli(["publish", ...REMOTE], { io, cwd: repo.root })).toBe(1);
    expect(io.sent).toHaveLength(0);
  });
});
