// Values the workerd test config computes in Node and hands to tests (vitest `provide`/`inject`).
import "vitest";

declare module "vitest" {
  export interface ProvidedContext {
    /** The example content/ compiled as `p13n publish` would, as JSON. */
    demoManifest: string;
  }
}
