/**
 * The per-metric rollups of ClickHouse (migration 7, src/storage/clickhouse/metric-rollup-schema.ts)
 * on the real engine: a database written before the migration is backfilled, rows written after
 * reach the rollups through their views, and a bucket query over every series of a metric reads
 * the rollup and answers as the series rows (and SqliteStore) do.
 *
 *   eval "$(scripts/services.sh up)" && export KAFKA_BROKERS CLICKHOUSE_URL
 *   npx vitest run --project integration test/clickhouse-metric-rollup.int.test.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DAY_MS,
  MINUTE_MS,
  TIERS,
  addSample,
  canonicalTags,
  floorTo,
  newAggregate,
} from '../src/core/index.js';
import type { Aggregate, MetricType, Tags, Tier, TierRetention } from '../src/core/index.js';
import { ClickHouseStore, SqliteStore } from '../src/storage/index.js';
import type { Bucket, BucketQuery, Store } from '../src/storage/index.js';
import { prepareVql, shapeVqlAnswer } from '../src/query/index.js';
import { bucketQuerySql, toBucket } from '../src/storage/clickhouse/bucket-query.js';
import { compileClickHouse } from '../src/storage/clickhouse/clickhouse-compiler.js';
import type { BucketRow } from '../src/storage/clickhouse/bucket-query.js';
import { METRIC_ROLLUP_TABLES } from '../src/storage/clickhouse/metric-rollup-schema.js';
import { ALL_MIGRATIONS, runMigrations } from '../src/storage/clickhouse/migrator.js';
import { TIER_TABLES } from '../src/storage/clickhouse/schema.js';
import { adminClient, clickHouseUrl, dropDatabase, freshDatabaseName, scalar } from './support/clickhouse.js';
import { bucketQuery, comparableBucket, seededRandom } from './support/fixtures.js';

const T0 = Date.UTC(2024, 0, 1);
const FOREVER: TierRetention = { '1m': 1e13, '5m': 1e13, '1h': 1e13, '1d': 1e13 };
const ROLLUP_VERSION = 7;

let admin: ClickHouseClient;
let dir: string;
let database: string;
let ch: ClickHouseStore;
let lite: SqliteStore;
const opened: Store[] = [];

interface SeriesSpec {
  readonly name?: string;
  readonly type?: MetricType;
  readonly tags: Tags;
}

const SERIES: SeriesSpec[] = [
  { tags: { region: 'eu', host: 'a' } },
  { tags: { region: 'us', host: 'b' } },
  { tags: { host: 'c' } },
  // The same metric name as a counter: the rollup keeps types apart, the answer merges them.
  { tags: { region: 'eu', host: 'a' }, type: 'counter' },
  { name: 'requests', type: 'counter', tags: { route: '/pay' } },
];

/**
 * Two partials per series-minute every 7 minutes over two days from `from`: integer values
 * (negative, zero, positive) keep sums exact in any order, and equal last times for a tie or two.
 */
function partials(spec: SeriesSpec, seed: number, from: number, minutes: number): Aggregate[] {
  const random = seededRandom(seed);
  const out: Aggregate[] = [];
  for (let m = 0; m < minutes; m += 7) {
    const start = from + m * MINUTE_MS;
    for (let part = 0; part < 2; part++) {
      const a = newAggregate(
        'checkout',
        spec.name ?? 'latency_ms',
        spec.type ?? 'gauge',
        canonicalTags(spec.tags),
        floorTo(start, MINUTE_MS),
      );
      const n = 1 + Math.floor(random() * 4);
      for (let i = 0; i < n; i++) {
        addSample(a, Math.floor(random() * 1200) - 150, start + Math.floor(random() * 60) * 1000);
      }
      out.push(a);
    }
  }
  return out;
}

async function writeBoth(aggregates: readonly Aggregate[], offset: number): Promise<void> {
  const checkpoint = { source: 'kafka:metrics-raw', partition: 0, offset };
  await ch.write(aggregates, [checkpoint]);
  await lite.write(aggregates, [checkpoint]);
}

function comparable(b: Bucket): Record<string, unknown> {
  return { ...comparableBucket(b), lastTimestamp: b.lastTimestamp };
}

function allSeries(t: Tier, overrides: Partial<BucketQuery> = {}): BucketQuery {
  return bucketQuery(T0, { tier: t, stepMs: Math.max(t.resolutionMs, 5 * MINUTE_MS), ...overrides });
}

/** The same query over the tier's series rows, as the store read before the rollups. */
async function seriesScan(q: BucketQuery): Promise<Bucket[]> {
  const sql = bucketQuerySql(
    `${database}.${TIER_TABLES[q.tier.name]}`,
    q,
    q.tier.name === '1m' ? 'minute' : 'rollup',
  );
  const result = await admin.query({ query: sql.sql, query_params: sql.params, format: 'JSONEachRow' });
  return (await result.json<BucketRow>()).map((row) => toBucket(row, q));
}

/** Samples per bucket start as the rollup table itself holds them. */
async function rollupCounts(q: BucketQuery): Promise<Map<number, number>> {
  const result = await admin.query({
    query: `SELECT intDiv(toUInt64(toUnixTimestamp(timestamp)) * 1000, {step:UInt64}) * {step:UInt64} AS b,
              sum(samples) AS n
            FROM ${database}.${METRIC_ROLLUP_TABLES[q.tier.name]}
            WHERE service_name = {service:String} AND metric_name = {metric:String}
            GROUP BY b ORDER BY b`,
    query_params: { step: q.stepMs, service: q.service, metric: q.metric },
    format: 'JSONEachRow',
  });
  return new Map((await result.json<{ b: string; n: string }>()).map((r) => [Number(r.b), Number(r.n)]));
}

beforeAll(async () => {
  admin = adminClient();
  dir = mkdtempSync(join(tmpdir(), 'vantage-ch-rollup-'));
  database = freshDatabaseName();
  // A database as the previous version left it, written to before the rollups existed.
  const before = ALL_MIGRATIONS.filter((m) => m.version < ROLLUP_VERSION);
  await runMigrations(admin, { database }, FOREVER, before);
  ch = new ClickHouseStore({ url: clickHouseUrl(), database, retention: FOREVER });
  lite = new SqliteStore({ path: join(dir, 'lite.db'), retention: FOREVER });
  opened.push(ch, lite);
  const old = SERIES.flatMap((s, i) => partials(s, 10 + i, T0, 1440));
  for (let i = 0; i < 3; i++)
    await writeBoth(
      old.filter((_, j) => j % 3 === i),
      i + 1,
    );
});

afterAll(async () => {
  for (const s of opened) await s.close().catch(() => undefined);
  await dropDatabase(admin, database).catch(() => undefined);
  await admin.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('ClickHouse per-metric rollups', () => {
  it('are created and backfilled by migration 7, once', async () => {
    expect((await ch.migrate()).applied).toEqual([ROLLUP_VERSION]);
    expect((await ch.migrate()).applied).toEqual([]);
    for (const t of TIERS) {
      const q = allSeries(t);
      const held = [...(await rollupCounts(q)).values()].reduce((a, b) => a + b, 0);
      const scanned = (await seriesScan(q)).reduce((n, b) => n + b.count, 0);
      expect(held).toBeGreaterThan(0);
      expect(held).toBe(scanned);
    }
    // Written after the migration: the views carry it, into buckets the backfill filled too.
    const later = SERIES.flatMap((s, i) => partials(s, 50 + i, T0 + 600 * MINUTE_MS, 2 * 1440));
    await writeBoth(later, 4);
  });

  it('answer a query over every series as the series rows and SqliteStore do', async () => {
    for (const t of TIERS) {
      for (const q of [allSeries(t), allSeries(t, { metric: 'requests', needSketch: false })]) {
        const [answer] = await ch.queryBuckets(q);
        const scan = await seriesScan(q);
        const [sqlite] = await lite.queryBuckets(q);
        expect(answer?.buckets.length).toBeGreaterThan(0);
        expect(answer?.buckets.map(comparable)).toEqual(scan.map(comparable));
        expect(answer?.buckets.map(comparable)).toEqual(sqlite?.buckets.map(comparable));
        expect(answer?.type).toBe(sqlite?.type);
      }
    }
  });

  it('answer VQL over every series as SqliteStore does', async () => {
    const range = "timestamp >= '2024-01-01T00:00:00Z' AND timestamp < '2024-01-03T00:00:00Z'";
    const queries = [
      `SELECT time_bucket(1h), avg(value), last(value), p95(value), rate(value), count(*) FROM metrics WHERE service_name = 'checkout' AND metric_name = 'latency_ms' AND ${range} GROUP BY time_bucket(1h)`,
      `SELECT type, metric_name, sum(value), min(value), max(value), last(value), rate(value) FROM metrics WHERE ${range} GROUP BY type, metric_name`,
      "SELECT time_bucket(1m), sum(value), p50(value) FROM metrics WHERE metric_name = 'latency_ms' AND timestamp >= '2024-01-01T10:00:00Z' AND timestamp < '2024-01-01T12:00:00Z' GROUP BY time_bucket(1m)",
      `SELECT time_bucket(1d), count(*), max(value) FROM metrics WHERE metric_name != 'requests' AND ${range} GROUP BY time_bucket(1d)`,
    ];
    const tiers = new Set<string>();
    for (const vql of queries) {
      const plan = prepareVql(vql, { now: T0 + 3 * DAY_MS, retention: FOREVER });
      expect(compileClickHouse(plan).sql).toContain('metric_agg_');
      tiers.add(plan.tier.name);
      const [fromClickHouse, fromSqlite] = await Promise.all(
        [ch, lite].map(async (store) => {
          const { rows, sorted } = await store.queryVql(plan);
          return shapeVqlAnswer(plan, rows, sorted);
        }),
      );
      expect(fromSqlite?.rows.length).toBeGreaterThan(0);
      expect(fromClickHouse, vql).toEqual(fromSqlite);
    }
    expect(tiers.size).toBeGreaterThan(1);
  });

  it('are what the query reads', async () => {
    const q = allSeries(TIERS.find((t) => t.name === '1h') as Tier, { needSketch: false });
    const [answer] = await ch.queryBuckets(q);
    const held = await rollupCounts(q);
    expect(answer?.buckets.map((b) => [b.start, b.count])).toEqual([...held.entries()]);
    // A row in the rollup alone (no series row has it) shows in the answer.
    await admin.insert({
      table: `${database}.${METRIC_ROLLUP_TABLES['1h']}`,
      values: [
        {
          service_name: 'checkout',
          metric_name: 'latency_ms',
          type: 'gauge',
          timestamp: T0 / 1000,
          samples: 1000,
          value_sum: 0,
          value_min: 0,
          value_max: 0,
          last_at: ['1970-01-01 00:00:00.000', 0],
          sketch_zero: 0,
          sketch_pos: {},
          sketch_neg: {},
        },
      ],
      format: 'JSONEachRow',
    });
    const [marked] = await ch.queryBuckets(q);
    expect(marked?.buckets[0]?.count).toBe((answer?.buckets[0]?.count ?? 0) + 1000);
    // The series rows do not hold it.
    expect((await seriesScan(q))[0]?.count).toBe(answer?.buckets[0]?.count);
    // VQL over every series reads it too.
    const plan = prepareVql(
      "SELECT time_bucket(1h), count(*) FROM metrics WHERE metric_name = 'latency_ms' AND timestamp >= '2024-01-01T00:00:00Z' AND timestamp < '2024-01-01T01:00:00Z' GROUP BY time_bucket(1h)",
      { now: T0 + 3 * DAY_MS, retention: FOREVER },
    );
    const { rows } = await ch.queryVql(plan);
    const [row] = shapeVqlAnswer(plan, rows, true).rows;
    expect(row?.[1]).toBe((answer?.buckets[0]?.count ?? 0) + 1000);
  });

  it('lose their partitions with their tier', async () => {
    const minuteShort = new ClickHouseStore({
      url: clickHouseUrl(),
      database,
      retention: { ...FOREVER, '1m': 30 * DAY_MS },
    });
    opened.push(minuteShort);
    const hourRows = await scalar(admin, `SELECT count() FROM ${database}.${METRIC_ROLLUP_TABLES['1h']}`);
    const report = await minuteShort.applyRetention(Date.now());
    expect(report.deletedRows['1m']).toBeGreaterThan(0);
    expect(await scalar(admin, `SELECT count() FROM ${database}.${METRIC_ROLLUP_TABLES['1m']}`)).toBe(0);
    expect(await scalar(admin, `SELECT count() FROM ${database}.${TIER_TABLES['1m']}`)).toBe(0);
    expect(await scalar(admin, `SELECT count() FROM ${database}.${METRIC_ROLLUP_TABLES['1h']}`)).toBe(
      hourRows,
    );
  });
});
