// Integration tests inside workerd (real KV, Durable Objects, HTMLRewriter).
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { unstable_readConfig } from "wrangler";
import { validateContent } from "./cli/content/validate.ts";
import { TEST_SECRETS } from "./test/fixtures/secrets.ts";
import { zoneOriginOutbound } from "./test/fixtures/zone-origin.ts";
import { HOOK_URL, hookReceiverOutbound } from "./test/fixtures/hook-receiver.ts";

// The example content, compiled the way `p13n publish` does, for the demo tests.
const demo = await validateContent("content", { now: new Date("2026-11-23T12:00:00Z") });
if (!demo.document) throw new Error(`content/ does not validate: ${JSON.stringify(demo.problems.slice(0, 3))}`);

// The results store's schema (migrations/), applied to the test D1 by test/workerd/setup/d1.ts.
const d1Migrations = await readD1Migrations("./migrations");

// The new-visitor limit as wrangler.toml declares it (the platform reads it from there only),
// so the attacker tests assert the limit a deploy gets.
const newVisitors = unstable_readConfig({ config: "./wrangler.toml" }).ratelimits.find((r: { name: string }) => r.name === "NEW_VISITORS");
if (!newVisitors) throw new Error("wrangler.toml has no NEW_VISITORS [[ratelimits]] binding");

// The plugin reads required secrets from process.env as well; test values only.
Object.assign(process.env, TEST_SECRETS);

export default defineConfig({
  plugins: [
    cloudflareTest({
      // [env.dev]: the demo shop bound, local ids (wrangler.toml). Production (the top level) never has the demo.
      wrangler: { configPath: "./wrangler.toml", environment: "dev" },
      miniflare: {
        // Outbound hooks go to the stand-in receiver (test/fixtures/hook-receiver.ts).
        bindings: { ...TEST_SECRETS, EVENT_HOOK_URL: HOOK_URL },
        // The Worker's own outgoing fetches: the hook receiver's host answers as a site's hook
        // endpoint, *.zone-origin.test as a zone's origin (test/workerd/zone-origin.test.ts);
        // anything else goes to the network as before.
        outboundService: async (request: Request) => (await hookReceiverOutbound(request)) ?? zoneOriginOutbound(request),
      },
    }),
  ],
  test: {
    name: "workerd",
    include: ["test/workerd/**/*.test.ts"],
    setupFiles: ["./test/workerd/setup/d1.ts"],
    provide: { demoManifest: JSON.stringify(demo.document), d1Migrations, newVisitorLimit: newVisitors.simple },
  },
});
