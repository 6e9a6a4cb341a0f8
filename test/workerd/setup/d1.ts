// Before each workerd test file: the results store's schema (migrations/) in the test D1,
// as `wrangler d1 migrations apply` would (applyD1Migrations skips what is applied already).
import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { inject } from "vitest";

await applyD1Migrations(env.RESULTS, inject("d1Migrations"));
