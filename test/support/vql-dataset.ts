import { DAY_MS, MINUTE_MS, addSample, canonicalTags, newAggregate } from '../../src/core/index.js';
import type { Aggregate, MetricType, Tags } from '../../src/core/index.js';
import { seededRandom } from './fixtures.js';

/**
 * A generated data set for VQL tests on both stores: several services, gauges and counters, tags
 * (missing ones, empty values, keys with dots and spaces, values with quotes, backslashes, LIKE
 * metacharacters and non-ASCII letters), negative and zero values (every part of a sketch), and
 * minute aggregates over two and a half days up to `now`, so daily, hourly, 5-minute and minute
 * tiers all hold data. Some minutes arrive as two partials, as from two collectors.
 */
export interface VqlDatasetOptions {
  /** Epoch ms; the last minute with data is the one before it. */
  readonly now: number;
  readonly seed?: number;
}

interface SeriesSpec {
  readonly service: string;
  readonly name: string;
  readonly type: MetricType;
  readonly tags: Tags;
  /** A value of one sample. */
  readonly value: (random: () => number) => number;
  /** Chance that the series sent anything in a given minute. */
  readonly density: number;
}

const cents = (x: number): number => Math.round(x * 100) / 100;
const latency = (base: number) => (r: () => number) => cents(base * (0.5 + r() * r() * 6));
const deltas = (max: number) => (r: () => number) => Math.floor(r() * max);

function seriesSpecs(): SeriesSpec[] {
  const out: SeriesSpec[] = [];
  const http: [string, string, string, string, string | undefined][] = [
    // service, route, status, env, deploy.track
    ['checkout', '/pay', '200', 'prod', 'stable'],
    ['checkout', '/pay', '503', 'prod', 'stable'],
    ['checkout', '/pay', '200', 'prod', 'canary'],
    ['checkout', '/cart', '200', 'prod', undefined],
    ['checkout', '/cart', '500', 'staging', 'stable'],
    ['billing', '/pay', '200', 'prod', 'stable'],
    ['billing', '/invoice', '502', 'prod', 'stable'],
    ['search', '/search', '200', 'prod', 'stable'],
    ['search', '/search', '404', 'prod', 'canary'],
  ];
  for (const [service, route, status, env, track] of http) {
    const tags: Tags = { route, status, env, ...(track === undefined ? {} : { 'deploy.track': track }) };
    const base = service === 'search' ? 8 : route === '/pay' ? 40 : 15;
    out.push({
      service,
      name: 'http_request_duration_ms',
      type: 'gauge',
      tags,
      value: latency(base),
      density: 0.8,
    });
    out.push({
      service,
      name: 'http_requests_total',
      type: 'counter',
      tags,
      value: deltas(50),
      density: 0.8,
    });
  }
  // A health check without a route: groups by route as ''.
  out.push({
    service: 'checkout',
    name: 'http_request_duration_ms',
    type: 'gauge',
    tags: { status: '200', env: 'prod' },
    value: latency(2),
    density: 0.5,
  });
  for (const service of ['billing', 'checkout', 'search']) {
    out.push({
      service,
      name: 'queue_depth',
      type: 'gauge',
      tags: { queue: 'main' },
      value: deltas(300),
      density: 0.6,
    });
  }
  for (const service of ['checkout', 'billing']) {
    out.push({
      service,
      name: 'db_query_ms',
      type: 'gauge',
      tags: { db: 'primary' },
      value: latency(3),
      density: 0.7,
    });
  }
  out.push({
    service: 'search',
    name: 'cache_hit_ratio',
    type: 'gauge',
    tags: {},
    value: (r) => cents(0.6 + r() * 0.4),
    density: 0.9,
  });
  for (const service of ['billing', 'test-loadgen', 'test_loadgen', 'Test-runner']) {
    out.push({
      service,
      name: 'jobs_processed_total',
      type: 'counter',
      tags: {},
      value: deltas(20),
      density: 0.7,
    });
  }
  // One name sent as a gauge and as a counter; odd tag keys and values; negative and zero values.
  const odd: Tags = { sensor: 'café', note: "o'brien \\ 50%_off", 'a b': 'x y', empty: '' };
  out.push({
    service: 'cart',
    name: 'temperature_delta',
    type: 'gauge',
    tags: odd,
    value: (r) => (r() < 0.2 ? 0 : cents(r() * 20 - 8)),
    density: 0.6,
  });
  out.push({
    service: 'cart',
    name: 'temperature_delta',
    type: 'counter',
    tags: { sensor: 'cafe' },
    value: deltas(5),
    density: 0.4,
  });
  out.push({
    service: 'cart',
    name: 'temperature_delta',
    type: 'gauge',
    tags: { sensor: 'cafX' },
    value: (r) => -cents(1 + r() * 3),
    density: 0.4,
  });
  return out;
}

/** Minute aggregates (some split into two partials), in a shuffled order. */
export function vqlDataset({ now, seed = 42 }: VqlDatasetOptions): Aggregate[] {
  const random = seededRandom(seed);
  const lastMinute = Math.floor(now / MINUTE_MS) * MINUTE_MS - MINUTE_MS;
  const firstMinute = Math.floor((now - 2.5 * DAY_MS) / DAY_MS) * DAY_MS;
  const out: Aggregate[] = [];
  for (const spec of seriesSpecs()) {
    const tags = canonicalTags(spec.tags);
    for (let start = firstMinute; start <= lastMinute; start += MINUTE_MS) {
      if (random() >= spec.density) continue;
      const n = 1 + Math.floor(random() * 4);
      const partials = n > 1 && random() < 0.3 ? 2 : 1;
      const aggs = Array.from({ length: partials }, () =>
        newAggregate(spec.service, spec.name, spec.type, tags, start),
      );
      for (let i = 0; i < n; i++) {
        const at = start + Math.floor(random() * 60_000);
        addSample(aggs[i % partials] as Aggregate, spec.value(random), at);
      }
      out.push(...aggs);
    }
  }
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as Aggregate, out[i] as Aggregate];
  }
  return out;
}
