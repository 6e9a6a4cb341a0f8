/**
 * p13n-edge: the Worker. One Hono app; Durable Object classes are exported
 * from here as the runtime requires.
 */
import { createApp } from "./app.ts";

const app = createApp();

export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),
} satisfies ExportedHandler<Env>;
