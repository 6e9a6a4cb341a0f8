// Values the workerd test config computes in Node and hands to tests (vitest `provide`/`inject`).
import "vitest";

declare module "vitest" {
  export interface ProvidedContext {
    /** The example content/ compiled as `p13n publish` would, as JSON. */
    demoManifest: string;
    /** migrations/ as read by readD1Migrations, applied to the RESULTS D1 before each test file. */
    d1Migrations: Array<{ name: string; queries: string[] }>;
    /** wrangler.toml's NEW_VISITORS rate limit: new visitor ids per client address per period (seconds). */
    newVisitorLimit: { limit: number; period: number };
  }
}
