/**
 * The fallback's merged answers on the real engine (scripts/services.sh up): a batch that is in
 * ClickHouse and in a worker's outbox at once (the insert in flight when the breaker opened, or a
 * replayed batch not yet deleted) counts once; and the batch-token migration on a database an
 * older Vantage created.
 *
 *   npx vitest run --project integration test/outbox-merged-clickhouse.int.test.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOUR_MS, MINUTE_MS, addSample, canonicalTags, floorTo, newAggregate } from '../src/core/index.js';
import type { Aggregate, MetricType, TierRetention } from '../src/core/index.js';
import {
  ClickHouseStore,
  OutboxMergedStore,
  OutboxReader,
  SqliteOutbox,
  SqliteStore,
} from '../src/storage/index.js';
import type { BucketGroup, BucketQuery, Checkpoint } from '../src/storage/index.js';
import { runMigrations } from '../src/storage/clickhouse/migrator.js';
import { MIGRATIONS } from '../src/storage/clickhouse/schema.js';
import { dedupToken } from '../src/storage/clickhouse/rows.js';
import { adminClient, clickHouseUrl, dropDatabase, freshDatabaseName, scalar } from './support/clickhouse.js';
import { bucketQuery, tier } from './support/fixtures.js';
import { TcpProxy } from './support/tcp-proxy.js';

/** A page large enough for every name these tests write. */
const ALL = { limit: 100_000 };

const T0 = Date.UTC(2024, 0, 1);
const FOREVER: TierRetention = { '1m': 1e13, '5m': 1e13, '1h': 1e13, '1d': 1e13 };
const SOURCE = 'kafka:metrics-raw';

let admin: ClickHouseClient;
let dir: string;
const databases: string[] = [];
const closers: (() => Promise<void> | void)[] = [];

beforeAll(() => {
  clickHouseUrl();
  admin = adminClient();
  dir = mkdtempSync(join(tmpdir(), 'vantage-merged-ch-'));
});

afterAll(async () => {
  for (const close of closers.splice(0).reverse()) await Promise.resolve(close()).catch(() => undefined);
  for (const db of databases) await dropDatabase(admin, db).catch(() => undefined);
  await admin.close();
  rmSync(dir, { recursive: true, force: true });
});

function freshDatabase(): string {
  const database = freshDatabaseName('vantage_merged');
  databases.push(database);
  return database;
}

function openClickHouse(
  database: string,
  extra: Partial<ConstructorParameters<typeof ClickHouseStore>[0]> = {},
): ClickHouseStore {
  const store = new ClickHouseStore({ url: clickHouseUrl(), database, retention: FOREVER, ...extra });
  closers.push(() => store.close());
  return store;
}

const HOSTS = ['a', 'b', 'c'];
const METRICS: [string, MetricType][] = [
  ['latency_ms', 'gauge'],
  ['requests', 'counter'],
];

/** Ten minutes of every series from `from`, a sample every 10 s; integer values keep sums exact. */
function batchOf(from: number, seed: number): Aggregate[] {
  const out: Aggregate[] = [];
  for (const [name, type] of METRICS) {
    HOSTS.forEach((host, h) => {
      for (let m = 0; m < 10; m++) {
        const start = floorTo(from, MINUTE_MS) + m * MINUTE_MS;
        const a = newAggregate('checkout', name, type, canonicalTags({ host }), start);
        for (let s = 0; s < 6; s++)
          addSample(a, ((seed * 31 + h * 7 + m * 3 + s) % 50) - 5, start + s * 10_000);
        out.push(a);
      }
    });
  }
  return out;
}

function comparable(groups: readonly BucketGroup[]): unknown[] {
  return [...groups]
    .map((g) => ({
      tags: g.tags,
      buckets: g.buckets.map((b) => ({ start: b.start, count: b.count, sum: b.sum, min: b.min, max: b.max })),
    }))
    .sort((x, y) => JSON.stringify(x.tags).localeCompare(JSON.stringify(y.tags)));
}

function samples(groups: readonly BucketGroup[]): number {
  return groups.reduce((n, g) => n + g.buckets.reduce((m, b) => m + b.count, 0), 0);
}

describe('OutboxMergedStore over ClickHouse', () => {
  let worker: ClickHouseStore;
  let apiStore: ClickHouseStore;
  let truth: SqliteStore;
  let merged: OutboxMergedStore;
  let proxy: TcpProxy;
  const batches: { aggregates: Aggregate[]; checkpoint: Checkpoint }[] = [];
  let lostAnswerError = '';

  beforeAll(async () => {
    const database = freshDatabase();
    const target = new URL(clickHouseUrl());
    proxy = await TcpProxy.start(target.hostname, Number(target.port));
    closers.push(() => proxy.close());
    // The worker's store, as a fallback worker has it, through a proxy that can lose answers.
    worker = new ClickHouseStore({
      url: proxy.url,
      database,
      retention: FOREVER,
      recordBatchTokens: true,
    });
    closers.push(() => worker.close());
    await worker.migrate();
    apiStore = openClickHouse(database);
    truth = new SqliteStore({ path: join(dir, 'truth.db'), retention: FOREVER });
    closers.push(() => truth.close());
    const outbox = new SqliteOutbox(join(dir, 'outbox.db'));
    closers.push(() => outbox.close());
    const toOutbox = (i: number): void => {
      const b = batches[i];
      if (b === undefined) throw new Error(`no batch ${i}`);
      outbox.append(
        { checkpoint: b.checkpoint, firstOffset: 0, messages: 1, samples: 0, oldest: T0, attempts: 1 },
        b.aggregates,
      );
    };
    // Partition 0: 10, 20, 30; partition 1: 15, 25. Ten minutes each, one after the other.
    const ends: [number, number][] = [
      [0, 10],
      [0, 20],
      [0, 30],
      [1, 15],
      [1, 25],
    ];
    ends.forEach(([partition, offset], i) => {
      batches.push({
        aggregates: batchOf(T0 + i * 10 * MINUTE_MS, i),
        checkpoint: { source: SOURCE, partition, offset },
      });
    });
    for (const b of batches) await truth.write(b.aggregates, []);
    const [before, lost, , , replayed] = batches;
    if (before === undefined || lost === undefined || replayed === undefined) throw new Error('fixture');
    // Before the outage: in ClickHouse alone.
    await worker.write(before.aggregates, [before.checkpoint]);
    // The insert in flight when the breaker opened: ClickHouse stores it, the worker never hears.
    proxy.loseAnswersTo = (line) => line.includes(`INSERT INTO ${database}.metrics `);
    try {
      await worker.write(lost.aggregates, [lost.checkpoint]);
    } catch (err) {
      lostAnswerError = String(err);
    } finally {
      proxy.loseAnswersTo = undefined;
    }
    toOutbox(1);
    // During the outage: the outbox alone.
    toOutbox(2);
    toOutbox(3);
    // Replayed after it, not yet deleted from the outbox.
    toOutbox(4);
    await worker.write(replayed.aggregates, [replayed.checkpoint]);
    merged = new OutboxMergedStore(apiStore, [new OutboxReader(join(dir, 'outbox.db'))], apiStore);
    closers.push(() => merged.close());
  });

  it('has the lost insert in ClickHouse, under its batch token, though the write failed', async () => {
    expect(lostAnswerError).toMatch(/ClickHouse write failed/);
    const lost = batches[1];
    const rows = await scalar(
      admin,
      `SELECT count() FROM ${apiStore.database}.metrics WHERE batch_token = {t:String}`,
      { t: dedupToken([lost?.checkpoint as Checkpoint]) },
    );
    expect(rows).toBe(lost?.aggregates.length);
  });

  /** The query, and how much of its answer ClickHouse holds: a part, or all of it (the outbox too). */
  const shapes: [string, Partial<BucketQuery>, 'part' | 'all'][] = [
    ['1m tier', {}, 'part'],
    ['1m tier by host, 5-minute steps', { groupBy: ['host'], stepMs: 5 * MINUTE_MS }, 'part'],
    ['5m tier by host', { tier: tier('5m'), stepMs: 5 * MINUTE_MS, groupBy: ['host'] }, 'part'],
    ['1h tier, counters', { metric: 'requests', tier: tier('1h'), stepMs: HOUR_MS }, 'part'],
    ['a range inside the lost batch', { from: T0 + 12 * MINUTE_MS, to: T0 + 17 * MINUTE_MS }, 'all'],
  ];

  it.each(shapes)('counts every batch once: %s', async (_name, overrides, inClickHouse) => {
    const q = bucketQuery(T0, { needSketch: false, needLast: false, ...overrides });
    const [answer, expected, clickhouse] = await Promise.all([
      merged.queryBuckets(q),
      truth.queryBuckets(q),
      apiStore.queryBuckets(q),
    ]);
    expect(comparable(answer)).toEqual(comparable(expected));
    // Not vacuous: ClickHouse holds part of the answer (the outbox the rest), or all of it.
    expect(samples(clickhouse)).toBeGreaterThan(0);
    if (inClickHouse === 'part') expect(samples(clickhouse)).toBeLessThan(samples(expected));
    else expect(comparable(clickhouse)).toEqual(comparable(expected));
  });

  it('lists services and metrics as one store holding everything', async () => {
    expect(await merged.services(ALL)).toEqual(
      (await truth.services(ALL)).map((s) => ({ ...s, lastSeen: expect.any(Number) as number })),
    );
    expect((await merged.metrics('checkout', ALL)).map((m) => [m.name, m.seriesCount])).toEqual([
      ['latency_ms', 3],
      ['requests', 3],
    ]);
  });

  it("asks ClickHouse only about the outbox's batches, in one metric, from their first minute on", async () => {
    const lost = batches[1];
    const replayed = batches[4];
    const stored = await apiStore.storedRows({
      service: 'checkout',
      metric: 'latency_ms',
      firstStart: T0 + 10 * MINUTE_MS,
      lastStart: T0 + 50 * MINUTE_MS,
      tokens: batches.slice(1).map((b) => dedupToken([b.checkpoint]) ?? ''),
    });
    const perBatch = HOSTS.length * 10;
    expect(stored).toEqual(
      new Map([
        [dedupToken([lost?.checkpoint as Checkpoint]), perBatch],
        [dedupToken([replayed?.checkpoint as Checkpoint]), perBatch],
      ]),
    );
    const narrow = await apiStore.storedRows({
      service: 'checkout',
      metric: 'requests',
      firstStart: T0 + 15 * MINUTE_MS,
      lastStart: T0 + 16 * MINUTE_MS,
      tokens: [dedupToken([lost?.checkpoint as Checkpoint]) ?? ''],
    });
    expect([...narrow.values()]).toEqual([HOSTS.length * 2]);
    // An outbox after a long outage names thousands of batches: asked about in several queries.
    const many = Array.from({ length: 450 }, (_, i) => `vantage-v1-not-stored-${i}`);
    const lostToken = dedupToken([lost?.checkpoint as Checkpoint]) ?? '';
    const wide = await apiStore.storedRows({
      service: 'checkout',
      metric: 'latency_ms',
      firstStart: T0,
      lastStart: T0 + 50 * MINUTE_MS,
      tokens: [...many, lostToken],
    });
    expect(wide).toEqual(new Map([[lostToken, perBatch]]));
  });
});

describe('the batch-token migration', () => {
  it('applies on a database created by the previous schema version, once, keeping its rows and rollups', async () => {
    const database = freshDatabase();
    expect((await runMigrations(admin, { database }, FOREVER, MIGRATIONS.slice(0, 1))).applied).toEqual([1]);
    const old = openClickHouse(database);
    const first = batchOf(T0, 1);
    await old.write(first, [{ source: SOURCE, partition: 0, offset: 1 }]);

    const store = openClickHouse(database, { recordBatchTokens: true });
    // 2 adds the batch token; 3 (dead letters), 4 (positions), 5 (exemplars), 6 (traces), 7
    // (per-metric rollups) and 8 (per-tag-value rollups) come along.
    expect((await store.migrate()).applied).toEqual([2, 3, 4, 5, 6, 7, 8]);
    expect((await store.migrate()).applied).toEqual([]);
    expect(await scalar(admin, `SELECT count() FROM ${database}.schema_migrations FINAL`)).toBe(8);
    const column = await admin.query({
      query: `SELECT type, compression_codec FROM system.columns
              WHERE database = {db:String} AND table = 'metrics' AND name = 'batch_token'`,
      query_params: { db: database },
      format: 'JSONEachRow',
    });
    expect(await column.json()).toEqual([
      { type: 'LowCardinality(String)', compression_codec: 'CODEC(ZSTD(1))' },
    ]);

    const second = batchOf(T0 + 10 * MINUTE_MS, 2);
    const checkpoint = { source: SOURCE, partition: 0, offset: 2 };
    await store.write(second, [checkpoint]);
    const tokens = await admin.query({
      query: `SELECT batch_token AS token, count() AS n FROM ${database}.metrics GROUP BY token ORDER BY token`,
      format: 'JSONEachRow',
    });
    expect((await tokens.json<{ token: string; n: string }>()).map((r) => [r.token, Number(r.n)])).toEqual([
      ['', first.length],
      [dedupToken([checkpoint]), second.length],
    ]);
    // The rollups still take every insert, before and after the new column.
    const hourly = await store.queryBuckets(
      bucketQuery(T0, { tier: tier('1h'), stepMs: HOUR_MS, needSketch: false }),
    );
    const expected = [...first, ...second]
      .filter((a) => a.name === 'latency_ms')
      .reduce((n, a) => n + a.count, 0);
    expect(samples(hourly)).toBe(expected);
  });
});
