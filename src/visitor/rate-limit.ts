/**
 * A token bucket for one visitor's beacons, held in the visitor's object (the
 * object serializes that visitor's traffic, so the count is exact). It lives
 * in memory: an evicted object starts with a full bucket, which only ever
 * errs towards accepting.
 */
export class TokenBucket {
  #tokens: number;
  #at: number;
  readonly #capacity: number;
  readonly #perMs: number;

  /**
   * @example
   * const bucket = new TokenBucket(120, Date.now()); // 120 events per minute, burst 120
   * bucket.take(10, Date.now()); // { ok: true }
   */
  constructor(perMinute: number, now: number) {
    this.#capacity = perMinute;
    this.#perMs = perMinute / 60_000;
    this.#tokens = perMinute;
    this.#at = now;
  }

  /** Takes `n` tokens, or none and says how long until `n` are there. */
  take(n: number, now: number): { ok: true } | { ok: false; retryAfterS: number } {
    this.#tokens = Math.min(this.#capacity, this.#tokens + Math.max(0, now - this.#at) * this.#perMs);
    this.#at = Math.max(this.#at, now);
    if (n <= this.#tokens) {
      this.#tokens -= n;
      return { ok: true };
    }
    const missing = Math.min(n, this.#capacity) - this.#tokens;
    return { ok: false, retryAfterS: Math.max(1, Math.ceil(missing / this.#perMs / 1000)) };
  }

  get capacity(): number {
    return this.#capacity;
  }
}
