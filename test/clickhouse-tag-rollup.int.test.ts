/**
 * The per-tag-value rollups of ClickHouse (migration 8, src/storage/clickhouse/tag-rollup-schema.ts)
 * on the real engine: for a key listed by `--rollup-tags` in a database migrated before its first
 * row, a panel filtered or grouped by that key reads the rollup and answers as the series rows (and
 * SqliteStore) do. A key not listed, or a group_by over series some of which lack the key, reads the
 * series rows. A key added to a database with rows serves from its recorded cutoff on.
 *
 *   eval "$(scripts/services.sh up)" && export KAFKA_BROKERS CLICKHOUSE_URL
 *   npx vitest run --project integration test/clickhouse-tag-rollup.int.test.ts
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS, MINUTE_MS, TIERS } from '../src/core/index.js';
import type { Aggregate, Tier, TierRetention } from '../src/core/index.js';
import { ClickHouseStore } from '../src/storage/index.js';
import type { BucketGroup, BucketQuery } from '../src/storage/index.js';
import { prepareVql, shapeVqlAnswer } from '../src/query/index.js';
import { runMigrations } from '../src/storage/clickhouse/migrator.js';
import { TIER_TABLES } from '../src/storage/clickhouse/schema.js';
import { TAG_ROLLUP_TABLES } from '../src/storage/clickhouse/tag-rollup-schema.js';
import { clickHouseUrl, dropDatabase, freshDatabaseName, scalar } from './support/clickhouse.js';
import { bucketQuery } from './support/fixtures.js';
import {
  comparable,
  markRow,
  openRollupPair,
  partials,
  seriesScan,
  shortenMinuteRetention,
} from './support/rollup-fixtures.js';
import type { RollupPair, SeriesSpec } from './support/rollup-fixtures.js';

const T0 = Date.UTC(2024, 0, 1);
const FOREVER: TierRetention = { '1m': 1e13, '5m': 1e13, '1h': 1e13, '1d': 1e13 };
const HOUR = TIERS.find((t) => t.name === '1h') as Tier;

let pair: RollupPair;
let admin: ClickHouseClient;
let database: string;
let ch: ClickHouseStore;

const SERIES: SeriesSpec[] = [
  // latency_ms: one series lacks region, so group_by region must read the series rows.
  { tags: { region: 'eu', host: 'a' } },
  { tags: { region: 'us', host: 'b' } },
  { tags: { host: 'c' } },
  { tags: { region: 'eu', host: 'a' }, type: 'counter' },
  // requests: every series carries region.
  { name: 'requests', type: 'counter', tags: { region: 'eu', route: '/pay' } },
  { name: 'requests', type: 'counter', tags: { region: 'us', route: '/pay' } },
  { name: 'requests', type: 'counter', tags: { region: 'us', route: '/cart' } },
];

function query(t: Tier, overrides: Partial<BucketQuery>): BucketQuery {
  return bucketQuery(T0, { tier: t, stepMs: Math.max(t.resolutionMs, 5 * MINUTE_MS), ...overrides });
}

function byTags(groups: readonly BucketGroup[]): [string, string, Record<string, unknown>[]][] {
  return groups
    .map((g): [string, string, Record<string, unknown>[]] => [
      JSON.stringify(g.tags),
      g.type,
      g.buckets.map(comparable),
    ])
    .sort((a, b) => a[0].localeCompare(b[0]));
}

/** A row of 1,000 samples in the hourly tag rollup alone (no series row has it) at T0-based `at`. */
async function markTagRollup(
  db: string,
  at: number,
  tagKey: string,
  tagValue: string,
  metric = 'latency_ms',
) {
  await admin.insert({
    table: `${db}.${TAG_ROLLUP_TABLES['1h']}`,
    values: [{ ...markRow(at), metric_name: metric, tag_key: tagKey, tag_value: tagValue }],
    format: 'JSONEachRow',
  });
}

/** The first hourly bucket's count of one group (or of the only group). */
async function firstCount(store: ClickHouseStore, q: BucketQuery, tags = '{}'): Promise<number | undefined> {
  const groups = await store.queryBuckets(q);
  return groups.find((g) => JSON.stringify(g.tags) === tags)?.buckets[0]?.count;
}

const RANGE = "timestamp >= '2024-01-01T00:00:00Z' AND timestamp < '2024-01-03T00:00:00Z'";
const FIRST_HOUR = "timestamp >= '2024-01-01T00:00:00Z' AND timestamp < '2024-01-01T01:00:00Z'";

/** VQL on region; each also asked over the first hour alone as `SELECT tags.region, count(*)`. */
const VQL = [
  `SELECT time_bucket(1h), tags.region, avg(value), last(value), p95(value), count(*) FROM metrics WHERE metric_name = 'requests' AND ${RANGE} GROUP BY time_bucket(1h), tags.region`,
  `SELECT tags.region, sum(value), max(value), count(*) FROM metrics WHERE tags.region = 'eu' AND ${RANGE} GROUP BY tags.region`,
  `SELECT tags.region, min(value), count(*) FROM metrics WHERE metric_name = 'latency_ms' AND ${RANGE} GROUP BY tags.region`,
];

function vqlPlan(vql: string) {
  return prepareVql(vql, { now: T0 + 3 * DAY_MS, retention: FOREVER });
}

/** Count per region over the first hour, with the conditions of `vql`. */
async function firstHourCounts(vql: string): Promise<[string, number][]> {
  const where = vql.slice(vql.indexOf(' WHERE ') + 7, vql.indexOf(` AND ${RANGE}`));
  const plan = vqlPlan(
    `SELECT tags.region, count(*) FROM metrics WHERE ${where} AND ${FIRST_HOUR} GROUP BY tags.region ORDER BY tags.region`,
  );
  const { rows, sorted } = await ch.queryVql(plan);
  return shapeVqlAnswer(plan, rows, sorted).rows.map((r) => [String(r[0]), Number(r[1])]);
}

beforeAll(async () => {
  // Two days, each migrator listing region.
  pair = await openRollupPair(SERIES, T0, 2 * 1440, ['region']);
  ({ admin, database, ch } = pair);
});

afterAll(() => pair.close());

describe('ClickHouse per-tag-value rollups', () => {
  it('hold the listed key from the epoch in a database migrated before its first row', async () => {
    // Run again, the migration lists nothing new.
    expect(await ch.migrate()).toEqual({ applied: [], ttlSet: [], ttlChanged: [] });
    const cutoff = await scalar(
      admin,
      `SELECT toUnixTimestamp(min(cutoff)) FROM ${database}.tag_rollup_keys WHERE tag_key = 'region'`,
    );
    expect(cutoff).toBe(0);
    // Only the listed key reaches the rollups, and every sample of a series carrying it does.
    for (const t of TIERS) {
      const table = `${database}.${TAG_ROLLUP_TABLES[t.name]}`;
      expect(await scalar(admin, `SELECT uniqExact(tag_key) FROM ${table}`)).toBe(1);
      const held = await scalar(admin, `SELECT sum(samples) FROM ${table} WHERE tag_key = 'region'`);
      const carried = await scalar(
        admin,
        `SELECT sum(samples) FROM ${database}.${TIER_TABLES[t.name]} WHERE mapContains(tags, 'region')`,
      );
      expect(held).toBeGreaterThan(0);
      expect(held).toBe(carried);
    }
  });

  it('answer filters and group_by on the rolled key as the series rows and SqliteStore do', async () => {
    const shapes: Partial<BucketQuery>[] = [
      { tagFilters: [['region', 'eu']] },
      { tagFilters: [['region', 'us']], needSketch: false },
      { metric: 'requests', groupBy: ['region'] },
      { metric: 'requests', tagFilters: [['region', 'us']], groupBy: ['region'] },
      { tagFilters: [['region', 'nowhere']] },
    ];
    for (const t of TIERS) {
      for (const shape of shapes) {
        const q = query(t, shape);
        const answer = await ch.queryBuckets(q);
        const sqlite = await pair.lite.queryBuckets(q);
        expect(byTags(answer), `${t.name} ${JSON.stringify(shape)}`).toEqual(byTags(sqlite));
        const scan = await seriesScan(admin, database, q);
        if (q.groupBy.length === 0)
          expect(answer[0]?.buckets.map(comparable) ?? []).toEqual(scan.map(comparable));
      }
    }
  });

  it('answer VQL on the rolled key as SqliteStore does', async () => {
    for (const vql of VQL) {
      const plan = vqlPlan(vql);
      const [fromClickHouse, fromSqlite] = await Promise.all(
        [ch, pair.lite].map(async (store) => {
          const { rows, sorted } = await store.queryVql(plan);
          return shapeVqlAnswer(plan, rows, sorted);
        }),
      );
      expect(fromSqlite?.rows.length, vql).toBeGreaterThan(0);
      expect(fromClickHouse, vql).toEqual(fromSqlite);
    }
  });

  it('are what such a query reads, and only such a query', async () => {
    const filtered = query(HOUR, { tagFilters: [['region', 'eu']], needSketch: false });
    const before = await firstCount(ch, filtered);
    const grouped = query(HOUR, { metric: 'requests', groupBy: ['region'], needSketch: false });
    const groupedBefore = await firstCount(ch, grouped, '{"region":"eu"}');
    const lacking = query(HOUR, { groupBy: ['region'], needSketch: false });
    const lackingBefore = await ch.queryBuckets(lacking);
    const host = query(HOUR, { tagFilters: [['host', 'a']], needSketch: false });
    const hostBefore = await ch.queryBuckets(host);
    const vqlBefore = await Promise.all(VQL.map(firstHourCounts));

    await markTagRollup(database, T0, 'region', 'eu');
    await markTagRollup(database, T0, 'region', 'eu', 'requests');
    await markTagRollup(database, T0, 'host', 'a');
    expect(await firstCount(ch, filtered)).toBe((before ?? 0) + 1000);
    expect(await firstCount(ch, grouped, '{"region":"eu"}')).toBe((groupedBefore ?? 0) + 1000);
    // A series of latency_ms lacks region: group_by reads the series rows ('' is its group).
    const lackingAfter = await ch.queryBuckets(lacking);
    expect(byTags(lackingAfter)).toEqual(byTags(lackingBefore));
    expect(lackingAfter.map((g) => g.tags.region).sort()).toEqual(['', 'eu', 'us']);
    // VQL: over requests (every series carries region) and over region = 'eu' the rollup answers;
    // grouping latency_ms by region (a series lacks it) reads the series rows.
    const vqlAfter = await Promise.all(VQL.map(firstHourCounts));
    expect(vqlAfter[0]).toEqual(vqlBefore[0]?.map(([k, n]) => [k, k === 'eu' ? n + 1000 : n]));
    expect(vqlAfter[1]).toEqual(vqlBefore[1]?.map(([k, n]) => [k, n + 2000]));
    expect(vqlAfter[2]).toEqual(vqlBefore[2]);
    // host is not listed: its filter reads the series rows.
    expect(byTags(await ch.queryBuckets(host))).toEqual(byTags(hostBefore));
    expect(hostBefore[0]?.buckets.map(comparable)).toEqual(
      (await seriesScan(admin, database, host)).map(comparable),
    );
  });

  it('serve a key added to a database with rows from its recorded cutoff on', async () => {
    const upgraded = freshDatabaseName();
    try {
      await runMigrations(admin, { database: upgraded }, FOREVER);
      const write = (aggregates: Aggregate[], offset: number) =>
        plain.write(aggregates, [{ source: 'kafka:metrics-raw', partition: 0, offset }]);
      const plain = new ClickHouseStore({ url: clickHouseUrl(), database: upgraded, retention: FOREVER });
      pair.opened.push(plain);
      await write(
        SERIES.flatMap((s, i) => partials(s, 10 + i, T0, 1440)),
        1,
      );
      // The operator lists region; the next migration (a worker's start, `vantage migrate`) records it.
      const store = new ClickHouseStore({
        url: clickHouseUrl(),
        database: upgraded,
        retention: FOREVER,
        rollupTags: ['region', 'region'],
      });
      pair.opened.push(store);
      expect(await store.migrate()).toEqual({
        applied: [],
        ttlSet: [],
        ttlChanged: [],
        rollupTagsAdded: ['region'],
      });
      const cutoff = await scalar(
        admin,
        `SELECT toUnixTimestamp(min(cutoff)) * 1000 FROM ${upgraded}.tag_rollup_keys WHERE tag_key = 'region'`,
      );
      expect(cutoff % DAY_MS).toBe(0);
      expect(cutoff).toBeGreaterThan(Date.now() + DAY_MS - 5 * MINUTE_MS);

      // Before it, the series rows answer: a row in the rollup alone does not show.
      const old = query(HOUR, { tagFilters: [['region', 'eu']], needSketch: false });
      const oldScan = await seriesScan(admin, upgraded, old);
      await markTagRollup(upgraded, T0, 'region', 'eu');
      const [oldAnswer] = await store.queryBuckets(old);
      expect(oldScan.length).toBeGreaterThan(0);
      expect(oldAnswer?.buckets.map(comparable)).toEqual(oldScan.map(comparable));

      // From it on, the rollup answers, and holds what the series rows hold.
      await write(
        SERIES.flatMap((s, i) => partials(s, 70 + i, cutoff, 600)),
        2,
      );
      const fresh = bucketQuery(cutoff, {
        tier: HOUR,
        stepMs: HOUR.resolutionMs,
        needSketch: false,
        metric: 'requests',
        groupBy: ['region'],
      });
      const freshAnswer = await store.queryBuckets(fresh);
      const eu = freshAnswer.find((g) => g.tags.region === 'eu');
      const euScan = await seriesScan(admin, upgraded, {
        ...fresh,
        groupBy: [],
        tagFilters: [['region', 'eu']],
      });
      expect(euScan.length).toBeGreaterThan(0);
      expect(eu?.buckets.map(comparable)).toEqual(euScan.map(comparable));
      await markTagRollup(upgraded, cutoff, 'region', 'eu', 'requests');
      const marked = await store.queryBuckets(fresh);
      expect(marked.find((g) => g.tags.region === 'eu')?.buckets[0]?.count).toBe(
        (eu?.buckets[0]?.count ?? 0) + 1000,
      );
    } finally {
      await dropDatabase(admin, upgraded).catch(() => undefined);
    }
  });

  it('lose their partitions with their tier', async () => {
    const tables = [TAG_ROLLUP_TABLES['1m'], TAG_ROLLUP_TABLES['1h']];
    const { before, after } = await shortenMinuteRetention(pair, tables);
    expect(before[0]).toBeGreaterThan(0);
    expect(after).toEqual([0, before[1]]);
    expect(before[1]).toBeGreaterThan(0);
  });
});
