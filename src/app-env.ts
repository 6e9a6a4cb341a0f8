/** Hono's typing for this Worker: bindings, plus what tests may inject. */
import type { Config, ConfigRefusal } from "./config/config.ts";
import type { PageObservation } from "./observability/page-metrics.ts";
import type { OriginFetch } from "./proxy/origin.ts";
import type { Editor } from "./editors/editor.ts";

export interface Bindings extends Env {
  /** Optional service binding to the origin (used when ORIGIN_URL is unset). */
  ORIGIN?: Fetcher;
}

export interface AppEnv {
  Bindings: Bindings;
  Variables: {
    /**
     * The parsed config (src/configure.ts): set on every request whose config is valid;
     * handlers behind `requireConfig` (every one that reads it) never run without it.
     */
    config: Config;
    /** Set instead of `config` when the config is refused (healthz and the admin guard say so). */
    configRefusal: ConfigRefusal | undefined;
    /** Replaces the origin fetch (tests, the benchmark). */
    originFetch: OriginFetch | undefined;
    /**
     * True while an editor's signed preview renders this request (src/preview/): never
     * cached, never counted — impressions and page views must not be recorded for it.
     */
    preview: boolean | undefined;
    /** The signed-in editor (src/routes/admin/guard.ts): set on every admin request a handler sees. */
    editor: Editor | undefined;
    /** This request's metrics (src/observability/metrics.ts): its Server-Timing and decisions. */
    observation: PageObservation | undefined;
  };
}
