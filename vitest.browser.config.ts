// Browser tests: Debian's Chromium (never a downloaded browser) driven by
// playwright-core, against the worker running under `wrangler dev` as
// `npm run dev` starts it.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    name: "browser",
    include: ["test/browser/**/*.test.ts"],
    environment: "node",
    // One wrangler dev and one browser at a time: these machines have two cores.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
