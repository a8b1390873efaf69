import { DAY_MS, MINUTE_MS, TIERS } from '../../src/core/index.js';
import type { Tier } from '../../src/core/index.js';
import type { Bucket, BucketQuery } from '../../src/storage/index.js';

/** A seeded random source (mulberry32): a failing property test reproduces with its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function tier(name: Tier['name']): Tier {
  return TIERS.find((t) => t.name === name) as Tier;
}

/**
 * A store query for the test metric (`checkout` / `latency_ms`) over three days from `from`, at
 * the 1-minute tier with last and sketches, as the store tests start from.
 */
export function bucketQuery(from: number, overrides: Partial<BucketQuery> = {}): BucketQuery {
  return {
    service: 'checkout',
    metric: 'latency_ms',
    tagFilters: [],
    groupBy: [],
    from,
    to: from + 3 * DAY_MS,
    stepMs: MINUTE_MS,
    tier: tier('1m'),
    needLast: true,
    needSketch: true,
    ...overrides,
  };
}

/** A bucket as plain values, its sketch as its encoded bytes: what two stores' answers compare by. */
export function comparableBucket(b: Bucket): Record<string, unknown> {
  return {
    start: b.start,
    count: b.count,
    sum: b.sum,
    min: b.min,
    max: b.max,
    last: b.last,
    sketch: b.sketch ? b.sketch.encode().toString('hex') : null,
  };
}
