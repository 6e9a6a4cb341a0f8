// The bench's pure helpers: slot insertion, config rendering, options, statistics, report,
// wrk script/summary, /proc parsing, and the bench manifest against the real schema.
// No timing here: the bench's figures are never asserted (see bench/README.md).
import { describe, expect, it } from "vitest";
import * as v from "valibot";
import { addSlots, bodyStartTags, declaredCharset, isUtf8, spread } from "../../../bench/lib/slots.ts";
import { renderConfig, str } from "../../../bench/lib/capnp.ts";
import { parseBenchArgs, DEFAULT_PAGES } from "../../../bench/lib/args.ts";
import { median, percentile, round } from "../../../bench/lib/stats.ts";
import { formatTable, summarize, type RoundSample } from "../../../bench/lib/report.ts";
import { parseWrkOutput, wrkScript } from "../../../bench/lib/load.ts";
import { parseProcStatCpuMs } from "../../../bench/lib/procs.ts";
import { ruleTypeOf } from "../../../bench/lib/build.ts";
import { benchManifest, DEFAULT_SLOTS, kvEntries, slotIdsFor } from "../../../bench/lib/manifest.ts";
import { pickScenarios, SCENARIOS, TARGETS, REFERENCE, usesMemory } from "../../../bench/scenarios.ts";
import { stateStatus } from "../../../bench/lib/sample.ts";
import { summarizeProfile, type CpuProfile } from "../../../bench/lib/profile.ts";
import { ManifestSchema } from "../../../src/engine/schema.ts";
import { POINTER_KEY, versionKey } from "../../../src/content/keys.ts";

const buf = (s: string) => Buffer.from(s, "latin1");

describe("addSlots", () => {
  it("inserts attributes into start tags and changes no other byte", () => {
    const page = '<!doctype html><html><head><title>t</title></head><body><h1 class="x">A</h1><p>b</p><div>c</div></body></html>';
    const { html, placed } = addSlots(buf(page), ["hero", "promo"]);
    expect(placed.map((p) => p.slot)).toEqual(["hero", "promo"]);
    expect(html.toString("latin1")).toBe(
      '<!doctype html><html><head><title>t</title></head><body><h1 data-p13n-slot="hero" class="x">A</h1><p>b</p><div data-p13n-slot="promo">c</div></body></html>',
    );
    expect(html.toString("latin1").replace(/ data-p13n-slot="[^"]*"/g, "")).toBe(page);
  });

  it("never picks tags inside scripts, styles, comments or raw text, nor before <body>", () => {
    const page =
      '<html><head><script>document.write("<div>no</div>")</script></head><body><!-- <div>no</div> --><style>div{}</style>' +
      '<textarea><div>no</div></textarea><script type="x">"<h1>"</script><DIV>yes</DIV><divx></divx></body>';
    const { placed, html } = addSlots(buf(page), ["a", "b"]);
    expect(placed).toHaveLength(1);
    expect(html.toString("latin1")).toContain('<DIV data-p13n-slot="a">yes</DIV>');
  });

  it("honours quoted '>' inside attribute values", () => {
    const tags = bodyStartTags('<body><div title="a>b"><p>x</p></div></body>');
    expect(tags.map((t) => t.name)).toEqual(["div", "p"]);
  });

  it("picks only elements the worker can fill: required end tag, not nested in another slot", () => {
    const page = "<body><div><div><h2>a</h2></div></div><p>x</p><ul><li>y</li></ul><section>z</section></body>";
    const { placed } = addSlots(buf(page), ["a", "b", "c", "d"]);
    expect(placed.map((p) => p.tag)).not.toContain("p");
    expect(placed.map((p) => p.tag)).not.toContain("li");
    const sorted = placed.map((p) => p.offset);
    // One per disjoint region: at most one of the three nested elements, plus the section.
    expect(placed).toHaveLength(2);
    expect(sorted).toEqual([...sorted].sort((x, y) => x - y));
  });

  it("prefers small elements to a wrapper holding the whole page", () => {
    const filler = "x".repeat(20_000);
    const page = `<body><div id="page"><section>${filler}</section><div>a</div><h2>b</h2></div></body>`;
    const { placed } = addSlots(buf(page), ["a", "b"]);
    expect(placed.map((p) => p.tag)).toEqual(["div", "h2"]);
    expect(placed[0]!.offset).toBeGreaterThan(20_000);
  });

  it("falls back to inline elements when a page has too few block ones", () => {
    const { placed } = addSlots(buf("<body><div>a</div><p><span>b</span> <a href=x>c</a></p></body>"), ["a", "b", "c"]);
    expect(placed.map((p) => p.tag)).toEqual(["div", "span", "a"]);
  });

  it("leaves non-UTF-8 bytes as they are", () => {
    const page = Buffer.concat([buf("<body><div>"), Buffer.from([0xc4, 0xe3, 0xba, 0xc3]), buf("</div></body>")]);
    const { html, placed } = addSlots(page, ["hero"]);
    expect(placed).toHaveLength(1);
    expect(html.includes(Buffer.from([0xc4, 0xe3, 0xba, 0xc3]))).toBe(true);
    expect(isUtf8(page)).toBe(false);
  });

  it("spreads picks over the page, first and last included", () => {
    expect(spread(10, 5)).toEqual([0, 2, 5, 7, 9]);
    expect(spread(3, 5)).toEqual([0, 1, 2]);
    expect(spread(4, 1)).toEqual([0]);
    expect(spread(0, 5)).toEqual([]);
  });

  it("reads a declared charset", () => {
    expect(declaredCharset(buf('<meta http-equiv="Content-Type" content="text/html; charset=gb2312">'))).toBe("gb2312");
    expect(declaredCharset(buf('<meta charset="UTF-8">'))).toBe("utf-8");
    expect(declaredCharset(buf("<p>"))).toBeNull();
  });
});

describe("renderConfig", () => {
  it("renders services, bindings, DO storage and a loopback socket, with embed paths relative to the config", () => {
    const text = renderConfig({
      baseDir: "/run/p13n",
      socketService: "main",
      services: [
        {
          name: "main",
          worker: {
            modules: [{ name: "index.js", type: "esModule", path: "/out/p13n/index.js" }],
            compatibilityDate: "2026-10-01",
            compatibilityFlags: ["nodejs_compat_v2"],
            bindings: [
              { name: "ORIGIN_URL", text: "http://127.0.0.1:1" },
              { name: "CONTENT", kvNamespace: "kv-CONTENT" },
              { name: "VISITOR", durableObjectNamespace: "VisitorObject" },
              { name: "LIMITS", json: '{"a":1}' },
            ],
            durableObjects: [{ className: "VisitorObject", uniqueKey: "bench-VisitorObject", enableSql: true }],
            durableObjectStorage: { localDisk: "do-disk" },
            globalOutbound: "loopback",
          },
        },
        { name: "origin", external: { address: "127.0.0.1:1" } },
        { name: "loopback", network: { allow: ["local"] } },
        { name: "do-disk", disk: { path: "/run/p13n/do", writable: true } },
      ],
    });
    expect(text).toContain('(name = "index.js", esModule = embed "../../out/p13n/index.js")');
    expect(text).toContain('(name = "CONTENT", kvNamespace = "kv-CONTENT")');
    expect(text).toContain('(name = "VISITOR", durableObjectNamespace = (className = "VisitorObject"))');
    expect(text).toContain('(name = "LIMITS", json = "{\\"a\\":1}")');
    expect(text).toContain('enableSql = true');
    expect(text).toContain('durableObjectStorage = (localDisk = "do-disk")');
    expect(text).toContain('address = "127.0.0.1:0"');
    expect(text).toContain('globalOutbound = "loopback"');
  });

  it("escapes capnp text literals", () => {
    expect(str('a"b\\c\n\u0001')).toBe('"a\\"b\\\\c\\n\\x01"');
  });
});

describe("parseBenchArgs", () => {
  it("has bounded defaults", () => {
    const o = parseBenchArgs([]);
    expect(o).toMatchObject({ rounds: 3, seconds: 10, warmup: 2, connections: 10, json: false, load: "auto", scenarios: [] });
    expect(o.pages).toEqual(DEFAULT_PAGES);
  });

  it("reads lists and flags", () => {
    const o = parseBenchArgs(["--rounds", "5", "--pages", "heise.html, aclu", "--scenarios", "passthrough", "--json", "--warmup", "0"]);
    expect(o).toMatchObject({ rounds: 5, pages: ["heise", "aclu"], scenarios: ["passthrough"], json: true, warmup: 0 });
  });

  it("rejects nonsense", () => {
    expect(() => parseBenchArgs(["--rounds", "0"])).toThrow(/positive/);
    expect(() => parseBenchArgs(["--rounds", "1.5"])).toThrow(/integer/);
    expect(() => parseBenchArgs(["--load", "ab"])).toThrow(/wrk/);
    expect(() => parseBenchArgs(["--bogus"])).toThrow();
  });
});

describe("stats", () => {
  it("takes medians and percentiles of the finite values", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([null, Number.NaN])).toBeNull();
    expect(percentile([1, 2, 3, 4, 5], 0.99)).toBeCloseTo(4.96);
    expect(round(1.23456, 2)).toBe(1.23);
  });
});

describe("summarize / formatTable", () => {
  const s = (round: number, scenario: string, rps: number, cpuMs: number | null = 0.3): RoundSample => ({
    round, scenario, rps, p50Ms: 2, p99Ms: 9, ttfbMs: 0.5, ttlbMs: 1, cpuMs, bytesPerReq: 2048, errors: 0, requests: rps * 10,
  });

  it("takes ratios within each round, then medians over rounds", () => {
    // Round 2 is globally slower; the within-round ratio stays 0.5.
    const rows = summarize(
      [s(1, "passthrough", 1000), s(1, "p13n", 500), s(2, "passthrough", 600), s(2, "p13n", 300), s(3, "passthrough", 1000), s(3, "p13n", 500)],
      ["passthrough", "p13n"],
      "passthrough",
      { p13n: 5 },
    );
    expect(rows.map((r) => [r.scenario, r.rps, r.ratio, r.slots_filled])).toEqual([
      ["passthrough", 1000, 1, null],
      ["p13n", 500, 0.5, 5],
    ]);
    expect(Object.keys(rows[0]!).slice(0, 7)).toEqual(["scenario", "rps", "ratio", "p50_ms", "p99_ms", "ttfb_ms", "cpu_ms"]);
    expect(rows[0]!.kb_per_resp).toBe(2);
  });

  it("prints unknowns as a dash", () => {
    const rows = summarize([s(1, "p13n", 500, null)], ["p13n"], "passthrough");
    const table = formatTable(rows);
    expect(table.split("\n")[0]).toMatch(/^scenario\s+req\/s\s+ratio/);
    expect(table.split("\n")[2]).toMatch(/^p13n\s+500\s+–/);
  });
});

describe("wrk script and summary", () => {
  it("rotates paths, sends headers, prints one JSON line", () => {
    const lua = wrkScript(["/public/a.html", "/public/b.html"], { Cookie: 'p="x"' }, true);
    expect(lua).toContain('local paths = { "/public/a.html", "/public/b.html" }');
    expect(lua).toContain('wrk.headers["Cookie"] = "p=\\"x\\""');
    expect(lua).toContain("local bust = true");
    expect(lua).toContain("BENCH_JSON");
  });

  it("parses the summary line", () => {
    const r = parseWrkOutput(
      'Running 10s test\nBENCH_JSON {"requests":30000,"duration_us":10000000,"bytes":300000000,"p50_us":2500,"p99_us":12000,"errors":3}\n',
    );
    expect(r).toEqual({ requests: 30000, durationS: 10, rps: 3000, bytes: 300000000, p50Ms: 2.5, p99Ms: 12, errors: 3 });
    expect(() => parseWrkOutput("nothing")).toThrow(/no summary/);
  });

  it("counts state reads under load only when asked (wrk then parses every response)", () => {
    const plain = wrkScript(["/a"], {}, false);
    expect(plain).not.toMatch(/^response = function/m);
    expect(plain).not.toContain("setup = function");
    const counting = wrkScript(["/a"], {}, false, [], true);
    expect(counting).toMatch(/^response = function/m);
    expect(counting).toContain('string.match(v, \'state;[^,]*desc="([^"]*)"\')');
    expect(counting).toContain('t:get("states")');
    const r = parseWrkOutput('BENCH_JSON {"requests":10,"duration_us":1000000,"bytes":10,"p50_us":1,"p99_us":2,"errors":0,"states":{"hit":7,"timeout":3}}');
    expect(r.states).toEqual({ hit: 7, timeout: 3 });
    expect(parseWrkOutput('BENCH_JSON {"requests":10,"duration_us":1000000,"bytes":10,"p50_us":1,"p99_us":2,"errors":0}').states).toBeUndefined();
  });
});

describe("stateStatus", () => {
  it("reads the state read's status from a Server-Timing header", () => {
    expect(stateStatus('origin;dur=3.0, state;dur=25.0;desc="timeout", decide;dur=1.0')).toBe("timeout");
    expect(stateStatus(['profile;dur=0.0;desc="verified"', 'state;dur=1.0;desc="hit"'])).toBe("hit");
    expect(stateStatus("state;dur=1.0")).toBe("");
    expect(stateStatus("statement;dur=1.0, origin;dur=2")).toBeNull();
    expect(stateStatus(undefined)).toBeNull();
  });
});

describe("parseProcStatCpuMs", () => {
  it("reads utime+stime past a comm field with spaces and parens", () => {
    const stat = "4242 (work (er) d) S 1 4242 4242 0 -1 4194304 100 0 0 0 250 50 0 0 20 0 12 0 1000 0 0";
    expect(parseProcStatCpuMs(stat, 100)).toBe(3000);
  });
});

describe("bench manifest", () => {
  it("satisfies the engine's ManifestSchema and lands under the published KV keys", () => {
    const m = benchManifest(DEFAULT_SLOTS, "2026-11-01T00:00:00Z");
    const r = v.safeParse(ManifestSchema, m);
    expect(r.success ? [] : v.flatten(r.issues)).toEqual([]);
    const kv = kvEntries(m as { version: string }, POINTER_KEY, versionKey, "2026-11-01T00:00:00Z");
    expect(JSON.parse(kv[POINTER_KEY]!)).toEqual({ version: "bench-1", updatedAt: "2026-11-01T00:00:00Z" });
    expect(JSON.parse(kv[versionKey("bench-1")]!)).toEqual(m);
  });
});

describe("slotIdsFor", () => {
  it("takes the manifest's slots in page order and tops up to five with slots it has no content for", () => {
    expect(slotIdsFor({ slots: { "cross-sell": 1, newsletter: 1, "home-hero": 1, "promo-banner": 1 } })).toEqual([
      "home-hero",
      "cross-sell",
      "newsletter",
      "promo-banner",
      "footer",
    ]);
    expect(slotIdsFor({ slots: Object.fromEntries(DEFAULT_SLOTS.map((s) => [s, 1])) })).toEqual([...DEFAULT_SLOTS]);
  });
});

describe("scenarios", () => {
  it("are uniquely named, point at known targets, and include the reference", () => {
    const names = SCENARIOS.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    for (const s of SCENARIOS) expect(Object.keys(TARGETS)).toContain(s.target);
    expect(names).toContain(REFERENCE);
    expect(SCENARIOS.filter((s) => s.default).map((s) => s.name)).toEqual([
      "passthrough",
      "cached-passthrough",
      "p13n-template-warm",
      "p13n-template-cold",
      "p13n-streaming",
      "p13n-anonymous",
      "p13n-with-state",
    ]);
  });

  it("spreads a with-state load over many visitors, each request carrying one visitor's cookie", () => {
    const lua = wrkScript(["/a"], { "User-Agent": "ua" }, false, ["p=1", "p=2", "p=3"]);
    expect(lua).toContain('{ "p=1", "p=2", "p=3" }');
    expect(lua).toContain('h["Cookie"] = c');
    expect(lua).toMatch(/wrk\.format\("GET", paths\[i\], h\)/);
    expect(SCENARIOS.find((s) => s.name === "p13n-with-state")?.visitors).toBeGreaterThan(1);
  });

  it("has a far-object twin of with-state: same load, its own visitors, objects 50 ms away", () => {
    const near = SCENARIOS.find((s) => s.name === "p13n-with-state")!;
    const far = SCENARIOS.find((s) => s.name === "p13n-with-state-far")!;
    expect(far).toMatchObject({ target: near.target, origin: near.origin, visitors: near.visitors, objectRttMs: 50 });
    expect(far.profile?.tier).toBe(near.profile?.tier);
    expect(far.profile?.sub).not.toBe(near.profile?.sub);
    expect(near.objectRttMs ?? 0).toBe(0);
    expect(usesMemory(far)).toBe(true);
    expect(usesMemory(SCENARIOS.find((s) => s.name === "p13n-returning")!)).toBe(true);
    expect(usesMemory(SCENARIOS.find((s) => s.name === "p13n-template-warm")!)).toBe(false);
  });

  it("are picked by name, all, or the defaults; an unknown name is refused", () => {
    expect(pickScenarios([]).every((s) => s.default)).toBe(true);
    expect(pickScenarios(["all"])).toHaveLength(SCENARIOS.length);
    expect(pickScenarios(["p13n-with-state-far", "passthrough"]).map((s) => s.name)).toEqual(["passthrough", "p13n-with-state-far"]);
    expect(() => pickScenarios(["nope"])).toThrow(/unknown scenario/);
  });

  it("cold-template URLs are new in every wrk run (wrk's math.random is unseeded)", () => {
    const tag = (script: string) => /local tag = "([^"]+)"/.exec(script)?.[1];
    expect(tag(wrkScript(["/a"], {}, true))).not.toBe(tag(wrkScript(["/a"], {}, true)));
  });

  it("renders a cache service for the Cache API and types rule-made modules by their rule", () => {
    const text = renderConfig({
      socketService: "main",
      services: [{ name: "main", worker: { modules: [], compatibilityDate: "2026-10-01", compatibilityFlags: [], bindings: [], cacheApiOutbound: "cache" } }],
    });
    expect(text).toContain('cacheApiOutbound = "cache"');
    const rules = [{ type: "Text", globs: ["**/client/*.js"] }];
    expect(ruleTypeOf("3ca4aff9e4f6fa13f101ae3d07a42942d722fd9a-p13n.browser.js", rules)).toBe("text");
    expect(ruleTypeOf("index.js", rules)).toBeNull();
  });
});

describe("profile summary", () => {
  // main → render → encode (3 samples); main → encode (1); main (1): 5 samples in all.
  const profile: CpuProfile = {
    startTime: 0,
    endTime: 1,
    nodes: [
      { id: 1, callFrame: { functionName: "main", url: "index.js", lineNumber: 0, columnNumber: 0 }, hitCount: 1, children: [2, 4] },
      { id: 2, callFrame: { functionName: "render", url: "index.js", lineNumber: 9, columnNumber: 0 }, hitCount: 0, children: [3] },
      { id: 3, callFrame: { functionName: "encode", url: "", lineNumber: -1, columnNumber: 0 }, hitCount: 3 },
      { id: 4, callFrame: { functionName: "encode", url: "", lineNumber: -1, columnNumber: 0 }, hitCount: 1 },
    ],
  };

  it("sums self time per function across call sites and counts each caller's total once", () => {
    const lines = summarizeProfile(profile, 10);
    expect(lines[0]).toMatchObject({ name: "encode", selfPct: 80, totalPct: 80 });
    expect(lines.find((l) => l.name === "main")).toMatchObject({ selfPct: 20, totalPct: 100 });
    // render has no samples of its own: it is not listed by self time.
    expect(lines.find((l) => l.name === "render")).toBeUndefined();
  });

  it("keeps only the top entries, most self time first", () => {
    expect(summarizeProfile(profile, 1).map((l) => l.name)).toEqual(["encode"]);
  });
});
