// The edge process's stand-in for a Workers rate-limit binding (NEW_VISITORS): every request
// may have a new visitor id. Without a binding the worker issues no id at all (a deploy's
// mistake it reports once), so the anonymous and returning scenarios would measure visitors who
// never get an id. The real limit (20 new ids a minute per client address) would stop the
// bench's one address after 20: the bench stands for many visitors, each under it.
// Plain JS on purpose: workerd embeds it as-is (a "wrapped" binding over an internal module).

/** workerd calls this with the wrapped binding's inner bindings (none). */
export default function openRateLimit() {
  return {
    async limit() {
      return { success: true };
    },
  };
}
