/**
 * ClickHouseStore against the real engine (scripts/services.sh up), checked against SqliteStore:
 * for the same writes both stores must give the same answers.
 *
 *   eval "$(scripts/services.sh up)" && export KAFKA_BROKERS CLICKHOUSE_URL
 *   npx vitest run --project integration test/clickhouse-store.int.test.ts
 *
 * The storage measurement quoted in docs/operations.md is `BENCH_ONLY=distributed npm run bench`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DAY_MS,
  HOUR_MS,
  MINUTE_MS,
  TIERS,
  addSample,
  canonicalTags,
  floorTo,
  newAggregate,
} from '../src/core/index.js';
import type { Aggregate, MetricType, Tags, Tier, TierRetention } from '../src/core/index.js';
import { ClickHouseStore, SqliteStore } from '../src/storage/index.js';
import type { BucketGroup, BucketQuery, Checkpoint, Store } from '../src/storage/index.js';
import { adminClient, clickHouseUrl, dropDatabase, freshDatabaseName, scalar } from './support/clickhouse.js';
import { bucketQuery, comparableBucket, seededRandom as rng, tier } from './support/fixtures.js';
import { TIER_TABLES } from '../src/storage/clickhouse/schema.js';

/** A page large enough for every name these tests write. */
const ALL = { limit: 100_000 };

import { prepareVql } from '../src/query/index.js';

const T0 = Date.UTC(2024, 0, 1);
const FOREVER: TierRetention = { '1m': 1e13, '5m': 1e13, '1h': 1e13, '1d': 1e13 };

let adminClientOrNone: ClickHouseClient | undefined;
function admin(): ClickHouseClient {
  if (adminClientOrNone === undefined) throw new Error('no ClickHouse client: is CLICKHOUSE_URL set?');
  return adminClientOrNone;
}
let dir: string;
const databases: string[] = [];
const opened: Store[] = [];

beforeAll(() => {
  clickHouseUrl();
  adminClientOrNone = adminClient();
  dir = mkdtempSync(join(tmpdir(), 'vantage-ch-int-'));
});

afterAll(async () => {
  for (const s of opened.splice(0)) await s.close().catch(() => undefined);
  if (adminClientOrNone !== undefined) {
    for (const db of databases) await dropDatabase(adminClientOrNone, db).catch(() => undefined);
    await adminClientOrNone.close();
  }
  rmSync(dir, { recursive: true, force: true });
});

async function openClickHouse(
  retention: TierRetention = FOREVER,
  extra: Partial<ConstructorParameters<typeof ClickHouseStore>[0]> = {},
): Promise<ClickHouseStore> {
  const database = freshDatabaseName();
  databases.push(database);
  const store = new ClickHouseStore({ url: clickHouseUrl(), database, retention, ...extra });
  opened.push(store);
  firstMigration.set(store, await store.migrate());
  return store;
}

/** What each store's first migrate() reported, on its fresh database. */
const firstMigration = new WeakMap<ClickHouseStore, Awaited<ReturnType<ClickHouseStore['migrate']>>>();

let sqliteFiles = 0;
function openSqlite(retention: TierRetention = FOREVER): SqliteStore {
  const store = new SqliteStore({ path: join(dir, `s${sqliteFiles++}.db`), retention });
  opened.push(store);
  return store;
}

interface SeriesSpec {
  readonly service?: string;
  readonly name?: string;
  readonly type?: MetricType;
  readonly tags?: Tags;
}

function agg(samples: readonly (readonly [number, number])[], spec: SeriesSpec = {}): Aggregate {
  const first = samples[0];
  if (first === undefined) throw new Error('no samples');
  const a = newAggregate(
    spec.service ?? 'checkout',
    spec.name ?? 'latency_ms',
    spec.type ?? 'gauge',
    canonicalTags(spec.tags ?? {}),
    floorTo(first[1], MINUTE_MS),
  );
  for (const [v, t] of samples) addSample(a, v, t);
  return a;
}

/**
 * Partials of minute aggregates over two days: each minute's samples split in two, as two
 * collectors would send them. Integer values (negative, zero and positive, so every sketch part
 * is used) keep sums exact in any order.
 */
function partials(spec: SeriesSpec, seed: number, minutes = 2 * 1440): Aggregate[] {
  const random = rng(seed);
  const out: Aggregate[] = [];
  for (let m = 0; m < minutes; m += 13) {
    const start = T0 + m * MINUTE_MS;
    const samples: [number, number][] = [];
    const n = 2 + Math.floor(random() * 5);
    for (let i = 0; i < n; i++) {
      samples.push([Math.floor(random() * 1200) - 150, start + Math.floor(random() * 60) * 1000]);
    }
    out.push(agg(samples.slice(0, 1), spec), agg(samples.slice(1), spec));
  }
  return out;
}

const SERIES: SeriesSpec[] = [
  { tags: { region: 'eu', host: 'a' } },
  { tags: { region: 'us', host: 'b' } },
  { tags: { region: 'eu', host: 'c' } },
  { tags: { host: 'd' } },
  { tags: { region: 'eu', host: 'a' }, type: 'counter' },
  { tags: { region: '', host: 'e' } },
  { name: 'requests', type: 'counter', tags: { route: '/pay' } },
  { name: 'requests', type: 'counter', tags: { route: '/cart' } },
  { service: 'cart', name: 'items', tags: { tier: 'gold' } },
];

/** Writes the same batches, with the same checkpoints, to every store. */
async function writeAll(
  stores: readonly Store[],
  aggregates: readonly Aggregate[],
  batches = 6,
): Promise<void> {
  const size = Math.ceil(aggregates.length / batches);
  for (let i = 0; i < batches; i++) {
    const batch = aggregates.slice(i * size, (i + 1) * size);
    const checkpoint: Checkpoint = { source: 'kafka:metrics-raw', partition: i % 2, offset: 100 * (i + 1) };
    for (const s of stores) await s.write(batch, [checkpoint]);
  }
}

function shuffled<T>(items: readonly T[], seed: number): T[] {
  const random = rng(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

function comparable(groups: readonly BucketGroup[]): unknown[] {
  return [...groups]
    .map((g) => ({ tags: g.tags, type: g.type, buckets: g.buckets.map(comparableBucket) }))
    .sort((a, b) => JSON.stringify(a.tags).localeCompare(JSON.stringify(b.tags)));
}

function query(overrides: Partial<BucketQuery> = {}): BucketQuery {
  return bucketQuery(T0, overrides);
}

function total(groups: readonly BucketGroup[]): { count: number; sum: number } {
  let count = 0;
  let sum = 0;
  for (const g of groups) {
    for (const b of g.buckets) {
      count += b.count;
      sum += b.sum;
    }
  }
  return { count, sum };
}

describe('ClickHouseStore migrations', () => {
  it('applies the schema once and is a no-op when run again', async () => {
    const store = await openClickHouse();
    const again = await store.migrate();
    expect(again).toEqual({ applied: [], ttlSet: [], ttlChanged: [] });
    const db = store.database;
    expect(await scalar(admin(), `SELECT count() FROM ${db}.schema_migrations FINAL`)).toBe(8);
    const tables = await admin().query({
      query: 'SELECT name FROM system.tables WHERE database = {db:String} ORDER BY name',
      query_params: { db },
      format: 'JSONEachRow',
    });
    expect((await tables.json<{ name: string }>()).map((t) => t.name)).toEqual([
      'checkpoints',
      'cumulative_positions',
      'dead_letters',
      'exemplars',
      'metric_agg_1d',
      'metric_agg_1d_mv',
      'metric_agg_1h',
      'metric_agg_1h_mv',
      'metric_agg_1m',
      'metric_agg_1m_mv',
      'metric_agg_5m',
      'metric_agg_5m_mv',
      'metric_rollup_cutoffs',
      'metrics',
      'metrics_1d',
      'metrics_1d_mv',
      'metrics_1h',
      'metrics_1h_mv',
      'metrics_5m',
      'metrics_5m_mv',
      'schema_migrations',
      'series',
      'series_mv',
      'service_operations',
      'service_operations_mv',
      'span_dead_letters',
      'spans',
      'tag_agg_1d',
      'tag_agg_1d_mv',
      'tag_agg_1h',
      'tag_agg_1h_mv',
      'tag_agg_1m',
      'tag_agg_1m_mv',
      'tag_agg_5m',
      'tag_agg_5m_mv',
      'tag_rollup_keys',
      'trace_summaries',
      'trace_summaries_mv',
    ]);
  });

  it('sets TTLs from the retention and follows a change of retention', async () => {
    const store = await openClickHouse({
      '1m': 90 * DAY_MS,
      '5m': 90 * DAY_MS,
      '1h': 365 * DAY_MS,
      '1d': 1095 * DAY_MS,
    });
    expect(firstMigration.get(store)).toMatchObject({
      ttlSet: [
        'metrics',
        'metrics_5m',
        'metrics_1h',
        'metrics_1d',
        'exemplars',
        'series',
        'metric_agg_1m',
        'metric_agg_5m',
        'metric_agg_1h',
        'metric_agg_1d',
        'tag_agg_1m',
        'tag_agg_5m',
        'tag_agg_1h',
        'tag_agg_1d',
      ],
      ttlChanged: [],
    });
    const db = store.database;
    const ttlOf = async (table: string): Promise<string> => {
      const r = await admin().query({
        query: 'SELECT engine_full FROM system.tables WHERE database = {db:String} AND name = {t:String}',
        query_params: { db, t: table },
        format: 'JSONEachRow',
      });
      return (await r.json<{ engine_full: string }>())[0]?.engine_full ?? '';
    };
    expect(await ttlOf('metrics')).toContain('TTL timestamp + toIntervalSecond(7776000)');
    expect(await ttlOf('metrics_1h')).toContain('TTL timestamp + toIntervalSecond(31536000)');
    expect(await ttlOf('metrics_1d')).toContain('TTL timestamp + toIntervalSecond(94608000)');
    const changed = new ClickHouseStore({
      url: clickHouseUrl(),
      database: db,
      retention: { '1m': 30 * DAY_MS, '5m': 90 * DAY_MS, '1h': 365 * DAY_MS, '1d': 1095 * DAY_MS },
    });
    opened.push(changed);
    expect(await changed.migrate()).toEqual({
      applied: [],
      ttlSet: [],
      ttlChanged: ['metrics', 'exemplars', 'metric_agg_1m', 'tag_agg_1m'],
    });
    expect(await ttlOf('metrics')).toContain('TTL timestamp + toIntervalSecond(2592000)');
  });
});

describe('ClickHouseStore answers as SqliteStore does', () => {
  let ch: ClickHouseStore;
  let lite: SqliteStore;

  beforeAll(async () => {
    ch = await openClickHouse();
    lite = openSqlite();
    const all = SERIES.flatMap((spec, i) => partials(spec, 100 + i));
    await writeAll([ch, lite], shuffled(all, 7));
  });

  const shapes: [Tier['name'], number][] = [
    ['1m', MINUTE_MS],
    ['5m', 5 * MINUTE_MS],
    ['1h', HOUR_MS],
    ['1d', DAY_MS],
    ['1m', 5 * MINUTE_MS],
    ['5m', 15 * MINUTE_MS],
    ['1h', DAY_MS],
  ];
  const selectors: Partial<BucketQuery>[] = [
    {},
    { tagFilters: [['region', 'eu']] },
    { tagFilters: [['region', '']] },
    { groupBy: ['region'] },
    { tagFilters: [['region', 'eu']], groupBy: ['host', 'region'] },
    { groupBy: ['host'], needLast: false, needSketch: false },
    { metric: 'requests', groupBy: ['route'] },
    { metric: 'requests' },
    { service: 'cart', metric: 'items' },
    { tagFilters: [['region', 'mars']] },
    { service: 'nobody' },
    { from: T0 + 6 * HOUR_MS, to: T0 + 30 * HOUR_MS + 7 },
  ];

  it.each(shapes)('tier %s at step %d', async (name, stepMs) => {
    for (const s of selectors) {
      const q = query({ tier: tier(name), stepMs, ...s });
      const [a, b] = await Promise.all([ch.queryBuckets(q), lite.queryBuckets(q)]);
      expect(comparable(a), JSON.stringify(s)).toEqual(comparable(b));
    }
  });

  it('has every group non-empty, counters typed as counters, a counter+gauge group as a gauge', async () => {
    const requests = await ch.queryBuckets(query({ metric: 'requests', tier: tier('1h'), stepMs: HOUR_MS }));
    expect(requests.map((g) => g.type)).toEqual(['counter']);
    expect(requests[0]?.buckets.every((b) => b.sketch === undefined)).toBe(true);
    const mixed = await ch.queryBuckets(query({ tagFilters: [['host', 'a']] }));
    expect(mixed.map((g) => g.type)).toEqual(['gauge']);
    expect(total(mixed).count).toBeGreaterThan(0);
  });

  it('summarises services and metrics the same', async () => {
    expect(await ch.services(ALL)).toEqual(await lite.services(ALL));
    expect(await ch.metrics('checkout', ALL)).toEqual(await lite.metrics('checkout', ALL));
    expect(await ch.metrics('nobody', ALL)).toEqual([]);
    expect((await ch.stats()).series).toBe((await lite.stats()).series);
    expect((await ch.stats()).bytesOnDisk).toBeGreaterThan(0);
  });

  it('measures every table, the tier tables named by tier, as SQLite does', async () => {
    const [chSizes, liteSizes] = await Promise.all([ch.tableSizes(), lite.tableSizes()]);
    for (const sizes of [chSizes, liteSizes]) {
      const tiers = sizes.filter((t) => t.tier !== undefined);
      expect(tiers.map((t) => t.tier).sort()).toEqual(['1d', '1h', '1m', '5m']);
      for (const t of tiers) expect(t.rows, t.table).toBeGreaterThan(0);
      for (const t of tiers) expect(t.bytes, t.table).toBeGreaterThan(0);
    }
    const minute = (sizes: typeof chSizes) => sizes.find((t) => t.tier === '1m')?.rows ?? 0;
    // Parts not merged yet may hold a row twice; never fewer rows than SQLite's.
    expect(minute(chSizes)).toBeGreaterThanOrEqual(minute(liteSizes));
    expect(chSizes.find((t) => t.table === 'dead_letters')).toMatchObject({ rows: 0 });
    expect(chSizes.find((t) => t.table === TIER_TABLES['1h'])?.tier).toBe('1h');
  });

  it('keeps the latest checkpoint per partition', async () => {
    expect(await ch.checkpoints('kafka:metrics-raw')).toEqual(await lite.checkpoints('kafka:metrics-raw'));
    expect(await ch.checkpoints('kafka:other')).toEqual([]);
  });
});

describe('ClickHouseStore writes', () => {
  it('sets aside what it can never store, stores the rest with the checkpoint, and once on a replay', async () => {
    const store = await openClickHouse();
    const start = T0 + 20 * MINUTE_MS;
    const good = [agg([[5, start]], { name: 'dl' }), agg([[7, start + MINUTE_MS]], { name: 'dl' })];
    // What an older collector may have put on the bus: an overflowed sum.
    const poison = { ...agg([[1, start]], { name: 'dl', tags: { p: '1' } }), sum: Number.POSITIVE_INFINITY };
    const checkpoint: Checkpoint = { source: 'topic-dl', partition: 0, offset: 9 };
    for (let attempt = 0; attempt < 2; attempt++) {
      // The second write is the replay of a batch whose answer was lost: the same checkpoint.
      const report = await store.write([good[0] as Aggregate, poison, good[1] as Aggregate], [checkpoint]);
      expect(report.deadLetters.map((d) => d.reason)).toEqual(['sum is Infinity, not a finite number']);
    }
    const [group] = await store.queryBuckets(
      query({ metric: 'dl', tier: tier('5m'), stepMs: 5 * MINUTE_MS }),
    );
    expect(group?.buckets.map((b) => [b.count, b.sum])).toEqual([[2, 12]]);
    expect(await store.checkpoints('topic-dl')).toEqual([checkpoint]);
    const letters = await store.deadLetters({ limit: 10, offset: 0 });
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({
      metric: 'dl',
      tags: '{"p":"1"}',
      sum: 'Infinity',
      count: 1,
      start,
      reason: 'sum is Infinity, not a finite number',
      checkpoint,
    });
  });

  it('merges partials of one series-minute from two writes exactly, in every tier', async () => {
    const store = await openClickHouse();
    const start = T0 + 10 * MINUTE_MS;
    const samples: [number, number][] = Array.from({ length: 200 }, (_, i) => [
      ((i * 37) % 500) - 40,
      start + ((i * 7) % 60) * 1000,
    ]);
    const whole = agg(samples);
    await store.write([agg(samples.filter((_, i) => i % 3 === 0))], []);
    await store.write([agg(samples.filter((_, i) => i % 3 !== 0))], []);
    for (const t of TIERS) {
      const groups = await store.queryBuckets(query({ tier: t, stepMs: t.resolutionMs }));
      expect(groups).toHaveLength(1);
      const [bucket] = groups[0]?.buckets ?? [];
      expect(groups[0]?.buckets).toHaveLength(1);
      expect(bucket).toMatchObject({
        count: 200,
        sum: whole.sum,
        min: whole.min,
        max: whole.max,
        last: whole.last,
        // When the last value is from: what merging with the fallback outbox's `last` needs.
        lastTimestamp: whole.lastTimestamp,
      });
      expect(bucket?.sketch?.encode().toString('hex')).toBe(whole.sketch?.encode().toString('hex'));
    }
  });

  it('keeps the latest last, ties to the larger value, in any write order', async () => {
    const store = await openClickHouse();
    const start = T0 + 3 * MINUTE_MS;
    for (const [i, order] of [
      [50, 7, 9],
      [9, 7, 50],
      [7, 9, 50],
    ].entries()) {
      for (const v of order) {
        await store.write([agg([[v, v === 50 ? start + 1_000 : start + 30_000]], { name: `g${i}` })], []);
      }
      for (const t of TIERS) {
        const [g] = await store.queryBuckets(query({ metric: `g${i}`, tier: t, stepMs: t.resolutionMs }));
        expect(g?.buckets[0]?.last, `${order.join(',')} ${t.name}`).toBe(9);
      }
    }
  });

  it('drops a batch written again with the same checkpoints, across partitions and tiers', async () => {
    const store = await openClickHouse();
    // Two months: the insert is split into one block per partition.
    const jan31 = Date.UTC(2024, 0, 31, 23, 50);
    const batch = Array.from({ length: 20 }, (_, i) => agg([[i + 1, jan31 + i * MINUTE_MS + 5_000]]));
    const checkpoints: Checkpoint[] = [{ source: 'kafka:metrics-raw', partition: 3, offset: 41 }];
    await store.write(batch, checkpoints);
    // A retry after a lost answer, and a replay after a crash before the checkpoint insert.
    await store.write(batch, checkpoints);
    await store.write(
      batch.map((a) => ({ ...a })),
      checkpoints,
    );
    const written = { count: 20, sum: 210 };
    for (const t of TIERS) {
      const groups = await store.queryBuckets(
        query({ tier: t, stepMs: DAY_MS, from: Date.UTC(2024, 0, 1), to: Date.UTC(2024, 2, 1) }),
      );
      expect(total(groups), t.name).toEqual(written);
    }
    expect(await scalar(admin(), `SELECT sum(samples) FROM ${store.database}.metrics`)).toBe(20);
    // The next batch, with the next position, is stored.
    await store.write(batch, [{ source: 'kafka:metrics-raw', partition: 3, offset: 42 }]);
    const after = await store.queryBuckets(query({ stepMs: DAY_MS, from: T0, to: Date.UTC(2024, 2, 1) }));
    expect(total(after)).toEqual({ count: 40, sum: 420 });
    expect(await store.checkpoints('kafka:metrics-raw')).toEqual([
      { source: 'kafka:metrics-raw', partition: 3, offset: 42 },
    ]);
  });

  it('stores identical writes without checkpoints twice, as SqliteStore does', async () => {
    const store = await openClickHouse();
    const a = agg([[5, T0 + 1_000]]);
    await store.write([a], []);
    await store.write([a], []);
    expect(total(await store.queryBuckets(query()))).toEqual({ count: 2, sum: 10 });
  });

  it('saves checkpoints alone, and the latest written wins', async () => {
    const store = await openClickHouse();
    await store.write([agg([[1, T0]])], [{ source: 'embedded:log-a', partition: 0, offset: 42 }]);
    await store.write(
      [],
      [
        { source: 'embedded:log-a', partition: 0, offset: 99 },
        { source: 'embedded:log-a', partition: 1, offset: 7 },
      ],
    );
    expect(await store.checkpoints('embedded:log-a')).toEqual([
      { source: 'embedded:log-a', partition: 0, offset: 99 },
      { source: 'embedded:log-a', partition: 1, offset: 7 },
    ]);
  });

  it('bounds answers and reads: groups, points and rows read refused with coded 422s', async () => {
    const limits = { maxSeries: 3, maxPoints: 10, maxSeriesScanned: 100, maxRowsScanned: 1_000_000 };
    // Four hosts, four minutes each.
    const data = ['a', 'b', 'c', 'd'].flatMap((host) =>
      Array.from({ length: 4 }, (_, m) => agg([[1, T0 + m * MINUTE_MS]], { tags: { host } })),
    );
    const open = async (over: Partial<typeof limits>): Promise<ClickHouseStore> => {
      const store = await openClickHouse(FOREVER, { answerLimits: { ...limits, ...over } });
      await store.write(data, []);
      return store;
    };
    const groups = await open({});
    await expect(groups.queryBuckets(query({ groupBy: ['host'] }))).rejects.toMatchObject({
      code: 'VTG_QUERY_TOO_MANY_SERIES',
      statusCode: 422,
    });
    const one = await groups.queryBuckets(query({ groupBy: ['host'], tagFilters: [['host', 'a']] }));
    expect(one.map((g) => g.buckets.length)).toEqual([4]);
    // Four groups x four minutes = 16 points > 10: the server stops at max_result_rows.
    const points = await open({ maxSeries: 10 });
    await expect(points.queryBuckets(query({ groupBy: ['host'] }))).rejects.toMatchObject({
      code: 'VTG_QUERY_ANSWER_TOO_LARGE',
      statusCode: 422,
    });
    expect(total(await points.queryBuckets(query()))).toEqual({ count: 16, sum: 16 });
    const rows = await open({ maxSeries: 10, maxPoints: 1_000, maxRowsScanned: 3 });
    await expect(rows.queryBuckets(query({ groupBy: ['host'] }))).rejects.toMatchObject({
      code: 'VTG_QUERY_TOO_COSTLY',
      statusCode: 422,
    });
    // VQL has no estimate of its own: the server counts what it reads (max_rows_to_read).
    const vql = prepareVql(
      `SELECT tags.host, count(*) FROM metrics WHERE metric_name = 'latency_ms' AND timestamp >= ${T0} AND timestamp < ${T0 + HOUR_MS} GROUP BY tags.host`,
      { now: T0 + HOUR_MS, retention: FOREVER },
    );
    expect((await points.queryVql(vql)).rows).toHaveLength(4);
    await expect(rows.queryVql(vql)).rejects.toMatchObject({ code: 'VTG_QUERY_TOO_COSTLY' });
    await expect(groups.queryVql(vql)).rejects.toMatchObject({ code: 'VTG_QUERY_TOO_MANY_SERIES' });
  });

  it('takes user values as parameters, never as SQL', async () => {
    const store = await openClickHouse();
    const evil = "x' OR 1=1 --";
    await store.write([agg([[3, T0]], { service: evil, tags: { [evil]: evil } })], []);
    const [g] = await store.queryBuckets(
      query({ service: evil, tagFilters: [[evil, evil]], groupBy: [evil] }),
    );
    expect(g?.tags).toEqual({ [evil]: evil });
    expect(g?.buckets[0]?.sum).toBe(3);
    expect(await store.queryBuckets(query({ service: "checkout' OR '1'='1" }))).toEqual([]);
  });

  it('applies the read limits to queries', async () => {
    const store = await openClickHouse(FOREVER, { queryLimits: { maxResultRows: 1 } });
    await store.write([agg([[1, T0]], { service: 'a' }), agg([[1, T0]], { service: 'b' })], []);
    await expect(store.services(ALL)).rejects.toMatchObject({ code: 'VTG_QUERY_ANSWER_TOO_LARGE' });
  });
});

describe('ClickHouseStore retention', () => {
  const RETENTION: TierRetention = { '1m': DAY_MS, '5m': 2 * DAY_MS, '1h': 10 * DAY_MS, '1d': 100 * DAY_MS };

  it('keeps what SqliteStore keeps after retention, and forgets silent series', async () => {
    const now = floorTo(Date.now(), DAY_MS) + 12 * HOUR_MS;
    const ch = await openClickHouse(RETENTION);
    const lite = openSqlite(RETENTION);
    const ages = [12 * HOUR_MS, 36 * HOUR_MS, 5 * DAY_MS, 50 * DAY_MS, 150 * DAY_MS];
    const batch = [
      ...ages.map((age) => agg([[1, now - age]])),
      agg([[1, now - 150 * DAY_MS]], { service: 'old' }),
    ];
    await writeAll([ch, lite], batch, 1);
    await lite.applyRetention(now);
    const report = await ch.applyRetention(now);
    // The series TTL may have dropped the silent series at insert already; either way it is gone.
    expect(report.deletedSeries).toBeLessThanOrEqual(1);
    // applyRetention drops whole partitions; expired rows of a partition that straddles the cutoff
    // go at its next merge, by TTL (docs/operations.md). Merge now, so that the comparison does not
    // depend on when the engine gets to it.
    for (const t of TIERS) {
      await admin().command({ query: `OPTIMIZE TABLE ${ch.database}.${TIER_TABLES[t.name]} FINAL` });
    }
    for (const t of TIERS) {
      const q = query({ tier: t, stepMs: t.resolutionMs, from: 0, to: now + DAY_MS });
      expect(comparable(await ch.queryBuckets(q)), t.name).toEqual(comparable(await lite.queryBuckets(q)));
    }
    expect(await ch.services(ALL)).toEqual(await lite.services(ALL));
    expect((await ch.services(ALL)).map((s) => s.name)).toEqual(['checkout']);
    expect((await ch.stats()).series).toBe(1);
  });

  it('drops whole partitions before the cutoff and forgets series silent past the longest retention', async () => {
    // Retention set long at write time, then a store with short retention runs the job.
    const long: TierRetention = { '1m': 1e13, '5m': 1e13, '1h': 1e13, '1d': 1e13 };
    const writer = await openClickHouse(long);
    await writer.write(
      [agg([[1, T0 + HOUR_MS]], { service: 'old' }), agg([[2, Date.now() - HOUR_MS]], { service: 'new' })],
      [],
    );
    const job = new ClickHouseStore({
      url: clickHouseUrl(),
      database: writer.database,
      retention: RETENTION,
    });
    opened.push(job);
    const report = await job.applyRetention(Date.now());
    expect(report.deletedSeries).toBe(1);
    expect(report.deletedRows).toEqual({ '1m': 1, '5m': 1, '1h': 1, '1d': 1 });
    expect((await job.services(ALL)).map((s) => s.name)).toEqual(['new']);
    expect(await scalar(admin(), `SELECT count() FROM ${writer.database}.metrics`)).toBe(1);
    expect((await job.applyRetention(Date.now())).deletedRows).toEqual({
      '1m': 0,
      '5m': 0,
      '1h': 0,
      '1d': 0,
    });
  });
});

describe('ClickHouseStore cumulative positions', () => {
  it('saves positions with a write and reads the latest back, in a store opened again', async () => {
    const store = await openClickHouse();
    const at = (timestamp: number, total: number) => ({
      timestamp,
      start: Number.NaN,
      reading: { total, sum: 0, sketch: null },
    });
    await store.write([], [{ source: 'w', partition: 0, offset: 1 }], [{ key: 'a', position: at(1000, 5) }]);
    await store.write(
      [],
      [{ source: 'w', partition: 0, offset: 2 }],
      [
        { key: 'a', position: at(2000, 9) },
        { key: 'b', position: at(1500, 3) },
      ],
    );
    const back = await store.cumulativePositions(['a', 'b', 'c']);
    expect([...back.keys()].sort()).toEqual(['a', 'b']);
    expect(back.get('a')?.reading.total).toBe(9);
    expect(back.get('a')?.timestamp).toBe(2000);
    expect(back.get('b')?.reading.total).toBe(3);
  });
});
