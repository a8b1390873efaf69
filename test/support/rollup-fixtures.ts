/** Data and reference reads shared by the ClickHouse rollup tests (per-metric, per-tag-value). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { DAY_MS, MINUTE_MS, addSample, canonicalTags, floorTo, newAggregate } from '../../src/core/index.js';
import type { Aggregate, MetricType, Tags, TierRetention } from '../../src/core/index.js';
import { ClickHouseStore, SqliteStore } from '../../src/storage/index.js';
import type { Bucket, BucketQuery, RetentionReport, Store } from '../../src/storage/index.js';
import { runMigrations } from '../../src/storage/clickhouse/migrator.js';
import { adminClient, clickHouseUrl, dropDatabase, freshDatabaseName, scalar } from './clickhouse.js';
import { bucketQuerySql, toBucket } from '../../src/storage/clickhouse/bucket-query.js';
import type { BucketRow } from '../../src/storage/clickhouse/bucket-query.js';
import { TIER_TABLES } from '../../src/storage/clickhouse/schema.js';
import { comparableBucket, seededRandom } from './fixtures.js';

export interface SeriesSpec {
  readonly name?: string;
  readonly type?: MetricType;
  readonly tags: Tags;
}

/**
 * Two partials per series-minute every 7 minutes over `minutes` from `from`: integer values
 * (negative, zero, positive) keep sums exact in any order, and equal last times for a tie or two.
 */
export function partials(spec: SeriesSpec, seed: number, from: number, minutes: number): Aggregate[] {
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

export function comparable(b: Bucket): Record<string, unknown> {
  return { ...comparableBucket(b), lastTimestamp: b.lastTimestamp };
}

/** The same query over the tier's series rows of database `db`, as the store read before rollups. */
export async function seriesScan(admin: ClickHouseClient, db: string, q: BucketQuery): Promise<Bucket[]> {
  const sql = bucketQuerySql(
    `${db}.${TIER_TABLES[q.tier.name]}`,
    q,
    q.tier.name === '1m' ? 'minute' : 'rollup',
  );
  const result = await admin.query({ query: sql.sql, query_params: sql.params, format: 'JSONEachRow' });
  return (await result.json<BucketRow>()).map((row) => toBucket(row, q));
}

/** Columns of a rollup row of 1,000 samples at `at`, and nothing else: a mark no series row holds. */
export function markRow(at: number): Record<string, unknown> {
  return {
    service_name: 'checkout',
    metric_name: 'latency_ms',
    type: 'gauge',
    timestamp: at / 1000,
    samples: 1000,
    value_sum: 0,
    value_min: 0,
    value_max: 0,
    last_at: ['1970-01-01 00:00:00.000', 0],
    sketch_zero: 0,
    sketch_pos: {},
    sketch_neg: {},
  };
}

const FOREVER: TierRetention = { '1m': 1e13, '5m': 1e13, '1h': 1e13, '1d': 1e13 };

/** A ClickHouse database and a SQLite store holding the same rows, and what closes them. */
export interface RollupPair {
  readonly admin: ClickHouseClient;
  readonly database: string;
  readonly ch: ClickHouseStore;
  readonly lite: SqliteStore;
  /** Stores closed by close(): these two and any a test adds. */
  readonly opened: Store[];
  writeBoth(aggregates: readonly Aggregate[], offset: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * A fresh database migrated before its first row by two migrators at once (workers migrate as
 * they start), each listing `rollupTags`, then `series`' partials over `minutes` from `from`
 * written to both stores in three batches.
 */
export async function openRollupPair(
  series: readonly SeriesSpec[],
  from: number,
  minutes: number,
  rollupTags: readonly string[] = [],
): Promise<RollupPair> {
  const admin = adminClient();
  const dir = mkdtempSync(join(tmpdir(), 'vantage-ch-rollup-'));
  const database = freshDatabaseName();
  await Promise.all([1, 2].map(() => runMigrations(admin, { database }, FOREVER, undefined, rollupTags)));
  const ch = new ClickHouseStore({ url: clickHouseUrl(), database, retention: FOREVER, rollupTags });
  const lite = new SqliteStore({ path: join(dir, 'lite.db'), retention: FOREVER });
  const opened: Store[] = [ch, lite];
  const writeBoth = async (aggregates: readonly Aggregate[], offset: number): Promise<void> => {
    const checkpoint = { source: 'kafka:metrics-raw', partition: 0, offset };
    await ch.write(aggregates, [checkpoint]);
    await lite.write(aggregates, [checkpoint]);
  };
  const rows = series.flatMap((s, i) => partials(s, 10 + i, from, minutes));
  for (let i = 0; i < 3; i++) {
    await writeBoth(
      rows.filter((_, j) => j % 3 === i),
      i + 1,
    );
  }
  return {
    admin,
    database,
    ch,
    lite,
    opened,
    writeBoth,
    close: async () => {
      for (const s of opened) await s.close().catch(() => undefined);
      await dropDatabase(admin, database).catch(() => undefined);
      await admin.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Runs retention with the minute tier kept 30 days (the pair's rows are years old) on the pair's
 * database: the report, and the rows of each of `tables` before and after.
 */
export async function shortenMinuteRetention(
  pair: RollupPair,
  tables: readonly string[],
): Promise<{ report: RetentionReport; before: number[]; after: number[] }> {
  const store = new ClickHouseStore({
    url: clickHouseUrl(),
    database: pair.database,
    retention: { ...FOREVER, '1m': 30 * DAY_MS },
  });
  pair.opened.push(store);
  const rows = (): Promise<number[]> =>
    Promise.all(tables.map((t) => scalar(pair.admin, `SELECT count() FROM ${pair.database}.${t}`)));
  const before = await rows();
  const report = await store.applyRetention(Date.now());
  return { report, before, after: await rows() };
}
