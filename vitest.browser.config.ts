// Browser tests: Debian's Chromium (never a downloaded browser) driven by
// playwright-core, against the worker running under `wrangler dev` as
// `npm run dev` starts it (demo tests), or under wrangler's test harness in
// front of a fixture origin (test/browser/support/global-setup.ts).
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    name: "browser",
    include: ["test/browser/**/*.test.ts"],
    environment: "node",
    globalSetup: ["test/browser/support/global-setup.ts"],
    // One wrangler dev and one browser at a time: these machines have two cores.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
