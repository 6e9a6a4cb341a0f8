// Integration tests inside workerd (real KV, Durable Objects, HTMLRewriter).
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { validateContent } from "./cli/content/validate.ts";
import { TEST_SECRETS } from "./test/fixtures/secrets.ts";

// The example content, compiled the way `p13n publish` does, for the demo tests.
const demo = await validateContent("content", { now: new Date("2026-11-23T12:00:00Z") });
if (!demo.document) throw new Error(`content/ does not validate: ${JSON.stringify(demo.problems.slice(0, 3))}`);

// The plugin reads required secrets from process.env as well; test values only.
Object.assign(process.env, TEST_SECRETS);

export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        bindings: { ...TEST_SECRETS },
      },
    }),
  ],
  test: {
    name: "workerd",
    include: ["test/workerd/**/*.test.ts"],
    provide: { demoManifest: JSON.stringify(demo.document) },
  },
});
