import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { LogicalPlan, VqlRow } from '../query/index.js';
import type { BucketGroup, BucketQuery, Store } from '../storage/index.js';
import { createApiMetrics } from './api-metrics.js';
import { testApiServer } from '../../test/support/test-api-server.js';
import type { QueryCacheOptions } from './cached-answers.js';

/**
 * The query cache through the real HTTP server, with a fake clock and a fake store (of our own
 * interface) whose answers change with every store query, so a test sees whether an answer came
 * from the store or from the cache.
 */
class CountingStore implements Store {
  readonly kind = 'counting';
  bucketQueries = 0;
  vqlQueries = 0;
  /** While set, store queries wait for it: to hold several requests in flight at once. */
  gate: Promise<void> | undefined;

  async queryBuckets(q: BucketQuery): Promise<BucketGroup[]> {
    this.bucketQueries++;
    await this.gate;
    const value = this.bucketQueries;
    return [
      {
        tags: {},
        type: 'gauge',
        buckets: [
          { start: q.from, count: 1, sum: value, min: value, max: value, last: value, sketch: undefined },
        ],
      },
    ];
  }

  async queryVql(plan: LogicalPlan): Promise<{ rows: VqlRow[]; sorted: boolean }> {
    this.vqlQueries++;
    await this.gate;
    const row: Record<string, string | number> = {};
    for (const k of plan.groupKeys) row[k.id] = 'checkout';
    for (const a of plan.aggregates) row[a.id] = this.vqlQueries;
    return { rows: [row], sorted: true };
  }

  write = unused;
  deadLetters = unused;
  exemplars = unused;
  checkpoints = unused;
  services = unused;
  metrics = unused;
  applyRetention = unused;
  stats = unused;
  async close(): Promise<void> {}
}

async function unused(): Promise<never> {
  throw new Error('not used by these tests');
}

const MINUTE = 60_000;
// A few seconds into a minute, so that steps of the clock stay inside it unless a test says so.
const START = Date.UTC(2026, 10, 27, 12, 0, 5);
const ON: QueryCacheOptions = { maxBytes: 1 << 20, ttlMs: 60_000, liveTtlMs: 5_000 };

let app: FastifyInstance;
let store: CountingStore;
let registry: Registry;
let now: number;

async function start(queryCache: QueryCacheOptions | undefined): Promise<void> {
  store = new CountingStore();
  registry = new Registry();
  now = START;
  app = await testApiServer({
    store,
    metrics: createApiMetrics(registry),
    maxPointsPerSeries: 11_000,
    clock: () => now,
    ...(queryCache ? { queryCache } : {}),
  });
}

afterEach(async () => {
  await app.close();
});

interface VqlBody {
  rows: unknown[][];
  stats: { cached: boolean; from: number; to: number };
}

async function vql(
  text: string,
  headers: Record<string, string> = {},
): Promise<{ cache: string | undefined; body: VqlBody }> {
  const res = await app.inject({ method: 'POST', url: '/v1/query', payload: { vql: text }, headers });
  expect(res.statusCode).toBe(200);
  return { cache: res.headers['x-vantage-cache'] as string | undefined, body: res.json<VqlBody>() };
}

async function series(params: Record<string, string>): Promise<{ cache: string | undefined; value: number }> {
  const res = await app.inject({
    method: 'GET',
    url: `/metrics/timeseries?${new URLSearchParams({ service: 's', metric: 'm', ...params }).toString()}`,
  });
  expect(res.statusCode).toBe(200);
  const body = res.json<{ series: { points: [number, number][] }[] }>();
  return {
    cache: res.headers['x-vantage-cache'] as string | undefined,
    value: body.series[0]!.points[0]![1],
  };
}

async function counter(name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = await registry.getSingleMetric(name)?.get();
  return (metric?.values ?? [])
    .filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))
    .reduce((sum, v) => sum + v.value, 0);
}

const LIVE =
  "SELECT service_name, avg(value) FROM metrics WHERE metric_name = 'm' AND timestamp > now() - 1h GROUP BY service_name";
const SETTLED =
  "SELECT service_name, avg(value) FROM metrics WHERE metric_name = 'm' AND timestamp BETWEEN '2026-11-27T09:00:00Z' AND '2026-11-27T10:00:00Z' GROUP BY service_name";

describe('the query cache on POST /v1/query', () => {
  it('answers a repeated query from the cache, says so, and counts hits and misses', async () => {
    await start(ON);
    const first = await vql(LIVE);
    expect(first.cache).toBe('miss');
    expect(first.body.stats.cached).toBe(false);
    const second = await vql(LIVE.replace('avg', 'AVG').replace(/ +/g, '  '));
    expect(second.cache).toBe('hit');
    expect(second.body.stats.cached).toBe(true);
    expect(second.body.rows).toEqual(first.body.rows);
    expect(store.vqlQueries).toBe(1);
    expect(await counter('vantage_api_query_cache_hits_total', { query: 'vql' })).toBe(1);
    expect(await counter('vantage_api_query_cache_misses_total', { query: 'vql' })).toBe(1);
    expect(await counter('vantage_api_query_cache_entries')).toBe(1);
    expect(await counter('vantage_api_query_cache_bytes')).toBeGreaterThan(0);
  });

  it('serves an answer that reaches to now for the live time to live only', async () => {
    await start(ON);
    expect((await vql(LIVE)).body.rows).toEqual([['checkout', 1]]);
    now += 4_000;
    expect((await vql(LIVE)).cache).toBe('hit');
    now += 2_000; // 6 s after the first answer, still the same minute
    const fresh = await vql(LIVE);
    expect(fresh.cache).toBe('miss');
    expect(fresh.body.rows).toEqual([['checkout', 2]]);
  });

  it('never serves a relative range from an earlier window: a new minute is a new key', async () => {
    await start(ON);
    now = START - 5_000 + 58_000; // 2 s before the minute ends
    const before = await vql(LIVE);
    now += 3_000; // 1 s into the next minute: within the live time to live of the first answer
    const after = await vql(LIVE);
    expect(after.cache).toBe('miss');
    expect(after.body.stats.from).toBe(before.body.stats.from + MINUTE);
  });

  it('keeps an answer about settled data for the full time to live', async () => {
    await start(ON);
    await vql(SETTLED);
    now += 59_000;
    expect((await vql(SETTLED)).cache).toBe('hit');
    now += 2_000;
    expect((await vql(SETTLED)).cache).toBe('miss');
    expect(store.vqlQueries).toBe(2);
  });

  it('asks the store again for a client that says Cache-Control: no-cache, and keeps that answer', async () => {
    await start(ON);
    await vql(SETTLED);
    const fresh = await vql(SETTLED, { 'cache-control': 'no-cache' });
    expect(fresh.cache).toBe('miss');
    expect(fresh.body.rows).toEqual([['checkout', 2]]);
    const next = await vql(SETTLED);
    expect(next).toMatchObject({ cache: 'hit', body: { rows: [['checkout', 2]] } });
    expect(store.vqlQueries).toBe(2);
  });

  it('runs identical queries that arrive together once', async () => {
    await start(ON);
    let open!: () => void;
    store.gate = new Promise((resolve) => (open = resolve));
    const answers = Array.from({ length: 5 }, () => vql(LIVE));
    await new Promise((resolve) => setTimeout(resolve, 20));
    open();
    const caches = (await Promise.all(answers)).map((a) => a.cache).sort();
    expect(caches).toEqual(['hit', 'hit', 'hit', 'hit', 'miss']);
    expect(store.vqlQueries).toBe(1);
  });

  it('counts a query the store failed as failed, and caches nothing for it', async () => {
    await start(ON);
    store.gate = Promise.reject(new Error('store down'));
    store.gate.catch(() => undefined);
    const res = await app.inject({ method: 'POST', url: '/v1/query', payload: { vql: SETTLED } });
    expect(res.statusCode).toBe(500);
    expect(await counter('vantage_api_vql_queries_total', { outcome: 'failed' })).toBe(1);
    expect(await counter('vantage_api_vql_queries_total', { outcome: 'ok' })).toBe(0);
    store.gate = undefined;
    expect((await vql(SETTLED)).cache).toBe('miss');
  });

  it('without a cache, every query goes to the store', async () => {
    await start(undefined);
    expect((await vql(LIVE)).cache).toBe('off');
    expect((await vql(LIVE)).body.stats.cached).toBe(false);
    expect(store.vqlQueries).toBe(2);
  });

  it('a time to live of 0 turns it off', async () => {
    await start({ ...ON, ttlMs: 0 });
    expect((await vql(LIVE)).cache).toBe('off');
  });
});

describe('the query cache on GET /v1/compare', () => {
  it('answers the same comparison again from the cache', async () => {
    await start(ON);
    const url =
      '/v1/compare?metric=m&a=service:one&b=service:two&from=2026-11-27T09:00:00Z&to=2026-11-27T10:00:00Z';
    const first = await app.inject({ method: 'GET', url });
    expect(first.statusCode).toBe(200);
    expect(first.headers['x-vantage-cache']).toBe('miss');
    const second = await app.inject({ method: 'GET', url });
    expect(second.headers['x-vantage-cache']).toBe('hit');
    expect(second.json()).toEqual(first.json());
    // One store query per side, once.
    expect(store.bucketQueries).toBe(2);
  });
});

describe('the query cache on GET /metrics/timeseries', () => {
  it('answers the same range again from the cache and the next minute from the store', async () => {
    await start(ON);
    const params = { from: '-1h', step: '1m', agg: 'sum' };
    now = START - 5_000 + 57_000;
    expect(await series(params)).toEqual({ cache: 'miss', value: 1 });
    now += 2_000;
    expect(await series(params)).toEqual({ cache: 'hit', value: 1 });
    now += 2_000; // the next minute, 4 s after the first answer: within its live time to live
    expect(await series(params)).toEqual({ cache: 'miss', value: 2 });
  });

  it('treats tag filters in any order as one query, and other filters as another', async () => {
    await start(ON);
    const range = { from: String(START - 2 * 3_600_000), to: String(START - 3_600_000), step: '5m' };
    await series({ ...range, tags: 'a:1,b:2' });
    expect((await series({ ...range, tags: 'b:2,a:1' })).cache).toBe('hit');
    expect((await series({ ...range, tags: 'a:1' })).cache).toBe('miss');
    expect(await counter('vantage_api_query_cache_hits_total', { query: 'timeseries' })).toBe(1);
  });
});
