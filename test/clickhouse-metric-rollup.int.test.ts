/**
 * The per-metric rollups of ClickHouse (migration 7, src/storage/clickhouse/metric-rollup-schema.ts)
 * on the real engine: in a database migrated before its first row (two migrators at once), every
 * row reaches the rollups through their views, and a query over every series of a metric reads
 * the rollup and answers as the series rows (and SqliteStore) do. A database written before the
 * migration reads its old range from the series rows, and the rollup from the recorded cutoff on.
 *
 *   eval "$(scripts/services.sh up)" && export KAFKA_BROKERS CLICKHOUSE_URL
 *   npx vitest run --project integration test/clickhouse-metric-rollup.int.test.ts
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS, MINUTE_MS, TIERS } from '../src/core/index.js';
import type { Tier, TierRetention } from '../src/core/index.js';
import { ClickHouseStore } from '../src/storage/index.js';
import type { SqliteStore } from '../src/storage/index.js';
import type { Bucket, BucketQuery, Store } from '../src/storage/index.js';
import { prepareVql, shapeVqlAnswer } from '../src/query/index.js';
import { compileClickHouse } from '../src/storage/clickhouse/clickhouse-compiler.js';
import { METRIC_ROLLUP_TABLES } from '../src/storage/clickhouse/metric-rollup-schema.js';
import { ALL_MIGRATIONS, runMigrations } from '../src/storage/clickhouse/migrator.js';
import { TIER_TABLES } from '../src/storage/clickhouse/schema.js';
import { clickHouseUrl, dropDatabase, freshDatabaseName, scalar } from './support/clickhouse.js';
import { bucketQuery } from './support/fixtures.js';
import {
  comparable,
  markRow,
  openRollupPair,
  partials,
  seriesScan as scanSeries,
  shortenMinuteRetention,
} from './support/rollup-fixtures.js';
import type { RollupPair, SeriesSpec } from './support/rollup-fixtures.js';

const T0 = Date.UTC(2024, 0, 1);
const FOREVER: TierRetention = { '1m': 1e13, '5m': 1e13, '1h': 1e13, '1d': 1e13 };
const ROLLUP_VERSION = 7;

let pair: RollupPair;
let admin: ClickHouseClient;
let database: string;
let ch: ClickHouseStore;
let lite: SqliteStore;
let opened: Store[];
let writeBoth: RollupPair['writeBoth'];

const SERIES: SeriesSpec[] = [
  { tags: { region: 'eu', host: 'a' } },
  { tags: { region: 'us', host: 'b' } },
  { tags: { host: 'c' } },
  // The same metric name as a counter: the rollup keeps types apart, the answer merges them.
  { tags: { region: 'eu', host: 'a' }, type: 'counter' },
  { name: 'requests', type: 'counter', tags: { route: '/pay' } },
];

function allSeries(t: Tier, overrides: Partial<BucketQuery> = {}): BucketQuery {
  return bucketQuery(T0, { tier: t, stepMs: Math.max(t.resolutionMs, 5 * MINUTE_MS), ...overrides });
}

/** The same query over the tier's series rows, as the store read before the rollups. */
function seriesScan(q: BucketQuery, db = database): Promise<Bucket[]> {
  return scanSeries(admin, db, q);
}

/** Samples per bucket start as the rollup table itself holds them. */
async function rollupCounts(q: BucketQuery, db = database): Promise<Map<number, number>> {
  const result = await admin.query({
    query: `SELECT intDiv(toUInt64(toUnixTimestamp(timestamp)) * 1000, {step:UInt64}) * {step:UInt64} AS b,
              sum(samples) AS n
            FROM ${db}.${METRIC_ROLLUP_TABLES[q.tier.name]}
            WHERE service_name = {service:String} AND metric_name = {metric:String}
            GROUP BY b ORDER BY b`,
    query_params: { step: q.stepMs, service: q.service, metric: q.metric },
    format: 'JSONEachRow',
  });
  return new Map((await result.json<{ b: string; n: string }>()).map((r) => [Number(r.b), Number(r.n)]));
}

/** A row of 1,000 samples in the hourly rollup alone, at `at`: no series row holds it. */
async function markRollup(db: string, at: number): Promise<void> {
  await admin.insert({
    table: `${db}.${METRIC_ROLLUP_TABLES['1h']}`,
    values: [markRow(at)],
    format: 'JSONEachRow',
  });
}

beforeAll(async () => {
  pair = await openRollupPair(SERIES, T0, 1440);
  ({ admin, database, ch, lite, opened, writeBoth } = pair);
});

afterAll(() => pair.close());

describe('ClickHouse per-metric rollups', () => {
  it('hold every row of a database migrated before its first row', async () => {
    expect((await ch.migrate()).applied).toEqual([]);
    // Each migrator recorded the epoch: no tier table held a row when its views existed.
    const cutoffs = await admin.query({
      query: `SELECT toUnixTimestamp(cutoff) AS s FROM ${database}.metric_rollup_cutoffs`,
      format: 'JSONEachRow',
    });
    expect((await cutoffs.json<{ s: number }>()).map((r) => Number(r.s))).toEqual([0, 0]);
    // Written later, overlapping the first day: the views carry it too.
    const later = SERIES.flatMap((s, i) => partials(s, 50 + i, T0 + 600 * MINUTE_MS, 2 * 1440));
    await writeBoth(later, 4);
    for (const t of TIERS) {
      const q = allSeries(t);
      const held = [...(await rollupCounts(q)).values()].reduce((a, b) => a + b, 0);
      const scanned = (await seriesScan(q)).reduce((n, b) => n + b.count, 0);
      expect(held).toBeGreaterThan(0);
      expect(held).toBe(scanned);
    }
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
      expect(compileClickHouse(plan, { metricRollupsFrom: 0 }).sql).toContain('metric_agg_');
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
    await markRollup(database, T0);
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

  it('serve a database written before migration 7 from its recorded cutoff on', async () => {
    const upgraded = freshDatabaseName();
    try {
      // As the previous version left it: written to before the rollups existed.
      const before = ALL_MIGRATIONS.filter((m) => m.version < ROLLUP_VERSION);
      await runMigrations(admin, { database: upgraded }, FOREVER, before);
      const store = new ClickHouseStore({ url: clickHouseUrl(), database: upgraded, retention: FOREVER });
      opened.push(store);
      const checkpoint = (offset: number) => [{ source: 'kafka:metrics-raw', partition: 0, offset }];
      await store.write(
        SERIES.flatMap((s, i) => partials(s, 10 + i, T0, 1440)),
        checkpoint(1),
      );
      const since7 = ALL_MIGRATIONS.filter((m) => m.version >= ROLLUP_VERSION).map((m) => m.version);
      expect((await store.migrate()).applied).toEqual(since7);

      // The cutoff is the start of a day at least a day ahead of the server's clock.
      const cutoff = await scalar(
        admin,
        `SELECT toUnixTimestamp(min(cutoff)) * 1000 FROM ${upgraded}.metric_rollup_cutoffs`,
      );
      expect(cutoff % DAY_MS).toBe(0);
      expect(cutoff).toBeGreaterThan(Date.now() + DAY_MS - 5 * MINUTE_MS);

      // Before it, the series rows answer: a row in the rollup alone does not show.
      const hour = TIERS.find((t) => t.name === '1h') as Tier;
      const old = allSeries(hour, { needSketch: false });
      const oldScan = await seriesScan(old, upgraded);
      await markRollup(upgraded, T0);
      const [oldAnswer] = await store.queryBuckets(old);
      expect(oldAnswer?.buckets.map(comparable)).toEqual(oldScan.map(comparable));
      const range = "timestamp >= '2024-01-01T00:00:00Z' AND timestamp < '2024-01-01T06:00:00Z'";
      const oldPlan = prepareVql(
        `SELECT time_bucket(1h), count(*) FROM metrics WHERE metric_name = 'latency_ms' AND ${range} GROUP BY time_bucket(1h)`,
        { now: T0 + DAY_MS, retention: FOREVER },
      );
      const oldRows = shapeVqlAnswer(oldPlan, (await store.queryVql(oldPlan)).rows, true).rows;
      expect(oldRows[0]?.[1]).toBe(oldScan[0]?.count);

      // From it on, the rollup answers, and holds what the series rows hold.
      await store.write(
        SERIES.flatMap((s, i) => partials(s, 70 + i, cutoff, 600)),
        checkpoint(2),
      );
      const fresh = bucketQuery(cutoff, { tier: hour, stepMs: hour.resolutionMs, needSketch: false });
      const freshScan = await seriesScan(fresh, upgraded);
      const [freshAnswer] = await store.queryBuckets(fresh);
      expect(freshScan.length).toBeGreaterThan(0);
      expect(freshAnswer?.buckets.map(comparable)).toEqual(freshScan.map(comparable));
      await markRollup(upgraded, cutoff);
      const [marked] = await store.queryBuckets(fresh);
      expect(marked?.buckets[0]?.count).toBe((freshScan[0]?.count ?? 0) + 1000);
    } finally {
      await dropDatabase(admin, upgraded).catch(() => undefined);
    }
  });

  it('lose their partitions with their tier', async () => {
    const tables = [METRIC_ROLLUP_TABLES['1m'], TIER_TABLES['1m'], METRIC_ROLLUP_TABLES['1h']];
    const { report, before, after } = await shortenMinuteRetention(pair, tables);
    expect(report.deletedRows['1m']).toBeGreaterThan(0);
    expect(after).toEqual([0, 0, before[2]]);
    expect(before[2]).toBeGreaterThan(0);
  });
});
