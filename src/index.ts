/**
 * p13n-edge: the Worker. One Hono app; Durable Object classes are exported
 * from here as the runtime requires.
 */
import { createApp } from "./app.ts";
import { publishAllocation } from "./results-store/scheduler.ts";
import { logEvent } from "./observability/log.ts";

export { VisitorObject } from "./visitor/object.ts";
export { ExperimentCounter } from "./results-store/counter-object.ts";

const app = createApp();

export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),
  // The cron trigger (wrangler.toml, each minute): the bandit's allocation for the current period.
  scheduled: (controller, env, ctx) => {
    ctx.waitUntil(
      publishAllocation(env, controller.scheduledTime).catch((err: unknown) => {
        logEvent("error", "scheduled", "BANDIT_PUBLISH_FAILED", { error: String(err) });
      }),
    );
  },
} satisfies ExportedHandler<Env>;
