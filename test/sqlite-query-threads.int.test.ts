/**
 * SqliteStore with query threads answers exactly as it does inline: one generated data set in a
 * real SQLite file, every read (services, metrics, time series at each tier with filters and
 * groups, VQL) asked of a store whose reads run on worker threads and of one that reads on the
 * calling thread, and the answers compared. The store is the built one (dist/, `npm run build`):
 * a worker thread runs outside vitest and loads the compiled thread entry beside the store, as
 * `vantage start` does. The pool's handling of dying threads is in
 * src/storage/sqlite/query-thread-pool.test.ts.
 *
 *   npm run build && npx vitest run --project integration test/sqlite-query-threads.int.test.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS, HOUR_MS, MINUTE_MS, canonicalTags, addSample, newAggregate } from '../src/core/index.js';
import type { TierRetention } from '../src/core/index.js';
import { prepareVql } from '../src/query/index.js';
import { VQL_EXAMPLES } from './support/vql-examples.js';
import type * as Storage from '../src/storage/index.js';
import type { BucketQuery, SqliteStore as SqliteStoreType } from '../src/storage/index.js';
import { bucketQuery, tier } from './support/fixtures.js';
import { vqlDataset } from './support/vql-dataset.js';
import { REPO_ROOT } from './support/vantage-process.js';

/** A page large enough for every name these tests write. */
const ALL = { limit: 100_000 };

const NOW = Date.UTC(2026, 10, 27, 12, 34, 56);
const FOREVER: TierRetention = { '1m': 1e13, '5m': 1e13, '1h': 1e13, '1d': 1e13 };

let SqliteStore: typeof Storage.SqliteStore;
let dir: string;
let path: string;
let inline: SqliteStoreType;
let pooled: SqliteStoreType;

beforeAll(async () => {
  ({ SqliteStore } = (await import(
    pathToFileURL(join(REPO_ROOT, 'dist', 'storage', 'index.js')).href
  )) as typeof Storage);
  dir = mkdtempSync(join(tmpdir(), 'vantage-query-threads-'));
  path = join(dir, 'vantage.db');
  inline = new SqliteStore({ path, retention: FOREVER });
  await inline.write(vqlDataset({ now: NOW }), []);
  pooled = new SqliteStore({ path, retention: FOREVER, queryThreads: 2 });
});

afterAll(async () => {
  await pooled?.close();
  await inline?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Time-series reads over every metric: each tier, all series, grouped by a tag, filtered by one. */
async function bucketQueries(): Promise<BucketQuery[]> {
  const from = Math.floor((NOW - 2 * DAY_MS) / DAY_MS) * DAY_MS;
  const shapes: Partial<BucketQuery>[] = [
    { stepMs: MINUTE_MS, tier: tier('1m'), from: NOW - 6 * HOUR_MS - (NOW % MINUTE_MS), to: NOW },
    { stepMs: 5 * MINUTE_MS, tier: tier('5m'), needLast: false },
    { stepMs: HOUR_MS, tier: tier('1h'), needSketch: false },
    { stepMs: DAY_MS, tier: tier('1d') },
    { stepMs: 7 * MINUTE_MS, tier: tier('1m'), from: NOW - DAY_MS - (NOW % MINUTE_MS), to: NOW },
  ];
  const out: BucketQuery[] = [];
  for (const service of await inline.services(ALL)) {
    for (const metric of await inline.metrics(service.name, ALL)) {
      const key = metric.tagKeys[0];
      for (const shape of shapes) {
        const base = bucketQuery(from, { service: service.name, metric: metric.name, ...shape });
        out.push(base);
        if (key !== undefined) {
          out.push({ ...base, groupBy: [key] });
          out.push({ ...base, tagFilters: [[key, 'prod']], groupBy: metric.tagKeys });
        }
      }
    }
  }
  return out;
}

const VQL = [
  ...VQL_EXAMPLES.map((e) => e.vql),
  "SELECT time_bucket(5m), tags.route, avg(value), p99(value), last(value) FROM metrics WHERE metric_name = 'http_request_duration_ms' AND timestamp > now() - 3h GROUP BY time_bucket(5m), tags.route LIMIT 10000",
  'SELECT service_name, metric_name, count(*), p50(value) FROM metrics WHERE timestamp >= now() - 2d GROUP BY service_name, metric_name ORDER BY p50(value) DESC LIMIT 5',
];

describe('SqliteStore with query threads', () => {
  it('lists services and metrics as the inline store does', async () => {
    const services = await pooled.services(ALL);
    expect(services.length).toBeGreaterThan(1);
    expect(services).toEqual(await inline.services(ALL));
    for (const s of services)
      expect(await pooled.metrics(s.name, ALL)).toEqual(await inline.metrics(s.name, ALL));
    expect(await pooled.metrics('no-such-service', ALL)).toEqual([]);
  });

  it('answers time-series reads at every tier, grouped and filtered, bucket for bucket', async () => {
    const queries = await bucketQueries();
    expect(queries.length).toBeGreaterThan(50);
    // All at once: they queue for the two threads and must still each get their own answer.
    const answers = await Promise.all(queries.map((q) => pooled.queryBuckets(q)));
    let sketches = 0;
    for (const [i, q] of queries.entries()) {
      const expected = await inline.queryBuckets(q);
      expect(answers[i], JSON.stringify(q)).toEqual(expected);
      for (const g of expected) sketches += g.buckets.filter((b) => b.sketch !== undefined).length;
    }
    expect(answers.filter((a) => a.length > 0).length).toBeGreaterThan(queries.length / 2);
    expect(sketches).toBeGreaterThan(0);
    expect(await pooled.queryBuckets(bucketQuery(NOW, { metric: 'no_such_metric' }))).toEqual([]);
  });

  it('answers VQL as the inline store does', async () => {
    const plans = VQL.map((text) => prepareVql(text, { now: NOW, retention: FOREVER }));
    const answers = await Promise.all(plans.map((plan) => pooled.queryVql(plan)));
    for (const [i, plan] of plans.entries()) {
      expect(answers[i], VQL[i]).toEqual(await inline.queryVql(plan));
    }
    expect(answers.some((a) => a.rows.length > 0)).toBe(true);
  });

  it('reads what is written after its threads started', async () => {
    const late = newAggregate(
      'late-service',
      'jobs',
      'gauge',
      canonicalTags({ queue: 'q1' }),
      NOW - MINUTE_MS,
    );
    addSample(late, 5, NOW - 30_000);
    await inline.write([late], []);
    expect((await pooled.services(ALL)).map((s) => s.name)).toContain('late-service');
    const [group] = await pooled.queryBuckets(
      bucketQuery(NOW - HOUR_MS - (NOW % MINUTE_MS), { service: 'late-service', metric: 'jobs' }),
    );
    expect(group?.buckets.map((b) => [b.count, b.sum, b.max, b.sketch?.count])).toEqual([[1, 5, 5, 1]]);
  });

  it('refuses reads past its queue with VTG_QUERY_OVERLOADED, while listings still get the reserved thread', async () => {
    const tight = new SqliteStore({ path, retention: FOREVER, queryThreads: 1, queryQueueMax: 0 });
    try {
      const plan = prepareVql(VQL[VQL.length - 1] as string, { now: NOW, retention: FOREVER });
      const running = tight.queryVql(plan);
      await expect(tight.queryVql(plan)).rejects.toMatchObject({
        code: 'VTG_QUERY_OVERLOADED',
        statusCode: 503,
      });
      expect(await tight.services(ALL)).toEqual(await inline.services(ALL));
      expect((await running).rows.length).toBeGreaterThan(0);
    } finally {
      await tight.close();
    }
  });

  it('answers a services listing before the heavy queries queued ahead of it', async () => {
    const fair = new SqliteStore({ path, retention: FOREVER, queryThreads: 1 });
    try {
      const heavy = (await bucketQueries()).slice(0, 12);
      // Both threads started and warm, so that what follows measures the queue, not start-up.
      await Promise.all([fair.services(ALL), fair.queryBuckets(heavy[0] as BucketQuery)]);
      const done: string[] = [];
      const reads = heavy.map((q, i) => fair.queryBuckets(q).then(() => done.push(`heavy-${i}`)));
      const listing = fair.services(ALL).then(() => done.push('services'));
      await Promise.all([...reads, listing]);
      // At most the heavy query running when the listing came may finish first; eleven were queued.
      expect(done.indexOf('services')).toBeLessThanOrEqual(1);
      expect(done).toHaveLength(13);
    } finally {
      await fair.close();
    }
  });

  it('closes while reads are in flight: each is answered or refused, none hangs', async () => {
    const closing = new SqliteStore({ path, retention: FOREVER, queryThreads: 2 });
    const queries = (await bucketQueries()).slice(0, 40);
    const expected = await Promise.all(queries.map((q) => inline.queryBuckets(q)));
    const reads = Promise.allSettled(queries.map((q) => closing.queryBuckets(q)));
    await closing.close();
    const outcomes = await reads;
    let answered = 0;
    for (const [i, o] of outcomes.entries()) {
      if (o.status === 'fulfilled') {
        answered += 1;
        expect(o.value).toEqual(expected[i]);
      } else {
        expect(o.reason).toMatchObject({ code: 'VTG_SERVICE_UNAVAILABLE', statusCode: 503 });
      }
    }
    // The two running when close() began finish; the rest were still queued.
    expect(answered).toBe(2);
    await expect(closing.services(ALL)).rejects.toMatchObject({ code: 'VTG_SERVICE_UNAVAILABLE' });
  });
});
