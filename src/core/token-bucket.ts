/**
 * Token buckets per client key: each holds up to `capacity` tokens and refills at
 * `capacity` per `periodMs`; a request takes one. Idle buckets (full again) are forgotten, so
 * memory follows the number of recently active clients.
 *
 * Ours rather than @fastify/rate-limit, which counts fixed windows: a token bucket lets a client
 * that was quiet burst, and never admits two windows' worth at a window edge.
 */
export type TakeResult =
  { readonly allowed: true } | { readonly allowed: false; readonly retryAfterMs: number };

interface Bucket {
  tokens: number;
  updatedAt: number;
}

export class TokenBucketLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly refillPerMs: number;
  private lastSweep: number;

  constructor(
    readonly capacity: number,
    readonly periodMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.refillPerMs = capacity / periodMs;
    this.lastSweep = now();
  }

  get trackedKeys(): number {
    return this.buckets.size;
  }

  take(key: string): TakeResult {
    const now = this.now();
    if (now - this.lastSweep >= this.periodMs) this.sweep(now);
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      bucket = { tokens: this.capacity, updatedAt: now };
      this.buckets.set(key, bucket);
    } else {
      bucket.tokens = Math.min(this.capacity, bucket.tokens + (now - bucket.updatedAt) * this.refillPerMs);
      bucket.updatedAt = now;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    // The epsilon keeps float noise (3999.9999...) from rounding a whole wait up by one.
    return { allowed: false, retryAfterMs: Math.ceil((1 - bucket.tokens) / this.refillPerMs - 1e-6) };
  }

  private sweep(now: number): void {
    this.lastSweep = now;
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + (now - bucket.updatedAt) * this.refillPerMs >= this.capacity)
        this.buckets.delete(key);
    }
  }
}
