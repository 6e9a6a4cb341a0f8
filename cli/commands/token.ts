/**
 * `p13n token --tier gold --stage new`: mints a profile cookie the local Worker
 * accepts (HS256 with PROFILE_SECRET from .dev.vars) and prints it with a ready
 * curl line and a browser snippet.
 */
import { parseArgs } from "node:util";
import { readDevVars } from "../dev-vars.ts";
import { FREQUENCIES, STAGES, mintProfileToken, readProfileSettings, type Frequency, type Stage } from "../profile-token.ts";
import { UsageError, type Command } from "./context.ts";

export const tokenUsage = `p13n token [--tier gold] [--stage new|developing|established] [--sub id]
           [--topics running,yoga] [--channels email,sms] [--frequency fewer|normal|more]
           [--attr key=value ...] [--ttl seconds] [--no-personalize] [--no-track]
           [--url http://localhost:8787/] [--jwt-only]
   mint a test profile cookie signed with PROFILE_SECRET (.dev.vars)`;

export const tokenCommand: Command = async (argv, ctx) => {
  const { values } = parseArgs({
    args: argv,
    options: {
      tier: { type: "string" },
      stage: { type: "string" },
      sub: { type: "string" },
      topics: { type: "string" },
      channels: { type: "string" },
      frequency: { type: "string" },
      attr: { type: "string", multiple: true },
      ttl: { type: "string", default: "3600" },
      "no-personalize": { type: "boolean" },
      "no-track": { type: "boolean" },
      url: { type: "string", default: "http://localhost:8787/" },
      "jwt-only": { type: "boolean" },
    },
  });
  const stage = oneOf(values.stage, STAGES, "--stage") as Stage | undefined;
  const frequency = oneOf(values.frequency, FREQUENCIES, "--frequency") as Frequency | undefined;
  const ttl = Number(values.ttl);
  if (!Number.isInteger(ttl) || ttl < 1) throw new UsageError(`--ttl must be a whole number of seconds, got '${values.ttl}'`);

  const secret = process.env.PROFILE_SECRET || (await readDevVars(ctx.cwd)).PROFILE_SECRET;
  if (!secret) {
    ctx.io.printErr("no PROFILE_SECRET: run `npm run dev` once (it creates .dev.vars from .dev.vars.example), or set PROFILE_SECRET");
    return 1;
  }
  const settings = await readProfileSettings(ctx.cwd);
  const sub = values.sub ?? `demo-${values.tier ?? "member"}${stage ? `-${stage}` : ""}`;
  const jwt = await mintProfileToken(
    {
      sub,
      ...(values.tier ? { tier: values.tier } : {}),
      ...(stage ? { stage } : {}),
      ...(frequency ? { frequency } : {}),
      topics: list(values.topics),
      channels: list(values.channels),
      attrs: attrs(values.attr ?? []),
      consent: { personalize: !values["no-personalize"], track: !values["no-track"] },
      ttlSeconds: ttl,
      issuer: settings.issuer,
      audience: settings.audience,
      typ: settings.typ,
    },
    secret,
  );
  if (values["jwt-only"]) {
    ctx.io.print(jwt);
    return 0;
  }
  const cookie = `${settings.cookie}=${jwt}`;
  ctx.io.printErr(`profile cookie for sub=${sub}${values.tier ? ` tier=${values.tier}` : ""}${stage ? ` stage=${stage}` : ""}, valid ${ttl} s`);
  ctx.io.print(
    [
      jwt,
      "",
      "# curl:",
      `curl -H "Cookie: ${cookie}" ${values.url}`,
      "",
      `# browser: open ${values.url}, then in the devtools console:`,
      `document.cookie = "${cookie}; path=/; max-age=${ttl}"; location.reload()`,
    ].join("\n"),
  );
  return 0;
};

function oneOf(value: string | undefined, allowed: readonly string[], flag: string): string | undefined {
  if (value === undefined) return undefined;
  if (!allowed.includes(value)) throw new UsageError(`${flag} must be one of ${allowed.join(", ")}, got '${value}'`);
  return value;
}

function list(value: string | undefined): string[] {
  return (value ?? "").split(",").map((s) => s.trim()).filter(Boolean);
}

/** `key=value` pairs; true/false and numbers become booleans and numbers, as a backend would send them. */
function attrs(pairs: string[]): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new UsageError(`--attr takes key=value, got '${pair}'`);
    const key = pair.slice(0, eq);
    const raw = pair.slice(eq + 1);
    out[key] = raw === "true" ? true : raw === "false" ? false : raw.trim() !== "" && Number.isFinite(Number(raw)) ? Number(raw) : raw;
  }
  return out;
}
