import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { HOUR_MS, MINUTE_MS, TIERS } from '../../core/index.js';
import type { Aggregate, MetricType } from '../../core/index.js';
import type { BucketGroup, BucketQuery } from '../store.js';
import { bucketQuery, tier } from '../../../test/support/fixtures.js';
import { asSchema5 } from '../../../test/support/sqlite-schema.js';
import {
  T0,
  TemporaryStores,
  rollupDataArb,
  rollupTestAggregate,
  writeRollupData,
} from '../../../test/support/tag-rollup-fixtures.js';
import {
  TAG_ROLLUP_KEY_TABLE,
  TAG_ROLLUP_MAX_KEYS,
  TAG_ROLLUP_MAX_VALUES,
  tagRollupTable,
} from './schema.js';

const stores = new TemporaryStores('vantage-tag-rollup-');

/** A series: its tags (every one also carries `all: '1'`) and type. */
interface SeriesSpec {
  readonly tags: Record<string, string>;
  readonly type: MetricType;
}

function aggregate(
  s: SeriesSpec,
  minute: number,
  values: readonly number[],
  metric = 'latency_ms',
): Aggregate {
  return rollupTestAggregate(s.tags, s.type, minute, values, metric);
}

/**
 * The same question asked so that the rollup cannot answer it: a filter on a second key (`all`,
 * which every series carries) selects the same series and groups, from the series rows.
 */
function scanOf(q: BucketQuery): BucketQuery {
  return { ...q, tagFilters: [...q.tagFilters, ['all', '1']] };
}

/** Groups as comparable data: integer samples make every sum exact whatever the order. */
function plain(groups: readonly BucketGroup[]): unknown {
  return groups.map((g) => ({
    ...g,
    buckets: g.buckets.map((b) => ({
      ...b,
      sketch: b.sketch && [b.sketch.count, b.sketch.quantile(0.5), b.sketch.quantile(0.99)],
    })),
  }));
}

function rowCount(sql: string): number {
  const db = new Database(stores.path(), { readonly: true });
  try {
    return db.prepare(sql).pluck().get() as number;
  } finally {
    db.close();
  }
}

const queryArb = fc.record({
  tier: fc.constantFrom(...TIERS.map((t) => t.name)),
  steps: fc.constantFrom(1, 3),
  key: fc.constantFrom('region', 'zone'),
  groupBy: fc.boolean(),
  filters: fc.array(fc.constantFrom('eu', 'us', 'ap', '', 'a', 'b'), { maxLength: 2 }),
  needLast: fc.boolean(),
  needSketch: fc.boolean(),
});

describe('tag rollups (SQLite)', () => {
  it('answer a query over one tag key as the series rows do, for random data and queries', async () => {
    // One store; each run writes a metric of its own, so runs cost a write, not a new file.
    const store = stores.store();
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        rollupDataArb,
        fc.array(queryArb, { minLength: 1, maxLength: 6 }),
        async (data, queries) => {
          const metric = `m${run++}`;
          await writeRollupData(store, data, metric);
          for (const spec of queries) {
            const t = tier(spec.tier);
            const q = bucketQuery(T0 - 2 * HOUR_MS, {
              metric,
              to: T0 + 4 * HOUR_MS,
              tier: t,
              stepMs: t.resolutionMs * spec.steps,
              groupBy: spec.groupBy ? [spec.key] : [],
              tagFilters: spec.filters.map((v) => [spec.key, v] as [string, string]),
              needLast: spec.needLast,
              needSketch: spec.needSketch,
            });
            expect(plain(await store.queryBuckets(q))).toEqual(plain(await store.queryBuckets(scanOf(q))));
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('are what a grouped or filtered panel reads', async () => {
    const store = stores.store();
    const series: SeriesSpec[] = ['eu', 'us', 'eu'].map((region) => ({ tags: { region }, type: 'gauge' }));
    await store.write(
      series.map((s, i) => aggregate(s, 0, [10 * (i + 1)])),
      [],
    );
    const q = bucketQuery(T0, { groupBy: ['region'] });
    const before = await store.queryBuckets(q);
    expect(before.map((g) => [g.tags.region, g.buckets[0]?.sum])).toEqual([
      ['eu', 40],
      ['us', 20],
    ]);
    // A rollup row changed behind the store's back shows in the answer: the panel read it.
    const db = new Database(stores.path());
    db.prepare(`UPDATE ${tagRollupTable('1m')} SET sum = sum + 1000 WHERE tag_value = 'us'`).run();
    db.close();
    const after = await store.queryBuckets(q);
    expect(after.map((g) => g.buckets[0]?.sum)).toEqual([40, 1020]);
    const filtered = await store.queryBuckets({ ...q, groupBy: [], tagFilters: [['region', 'us']] });
    expect(filtered[0]?.buckets[0]?.sum).toBe(1020);
    // The scan, and a group-by that also holds series without the key, read the series rows.
    expect((await store.queryBuckets(scanOf(q))).map((g) => g.buckets[0]?.sum)).toEqual([40, 20]);
    await store.write([aggregate({ tags: {}, type: 'gauge' }, 0, [5])], []);
    expect((await store.queryBuckets(q)).map((g) => [g.tags.region, g.buckets[0]?.sum])).toEqual([
      ['eu', 40],
      ['us', 20],
      ['', 5],
    ]);
  });

  it('stop, for good, for a key that grows past the bound, and answers stay those of the scan', async () => {
    const store = stores.store();
    const host = (i: number): SeriesSpec => ({
      tags: { host: `h${i}`, env: i % 2 ? 'prod' : 'dev' },
      type: 'gauge',
    });
    await store.write(
      Array.from({ length: TAG_ROLLUP_MAX_VALUES }, (_, i) => aggregate(host(i), 0, [i])),
      [],
    );
    const keys = (): unknown[] => {
      const db = new Database(stores.path(), { readonly: true });
      try {
        return db.prepare(`SELECT tag_key, open FROM ${TAG_ROLLUP_KEY_TABLE} ORDER BY tag_key`).raw().all();
      } finally {
        db.close();
      }
    };
    const hostRows = `SELECT count(*) FROM ${tagRollupTable('1m')} WHERE tag_key = 'host'`;
    expect(keys()).toEqual([
      ['all', 1],
      ['env', 1],
      ['host', 1],
    ]);
    expect(rowCount(hostRows)).toBe(TAG_ROLLUP_MAX_VALUES);
    // One more host, in a write with minutes of the old ones: host closes, its rows go.
    await store.write(
      [
        aggregate(host(TAG_ROLLUP_MAX_VALUES), 1, [7]),
        aggregate(host(0), 1, [3]),
        aggregate(host(1), 2, [4]),
      ],
      [],
    );
    expect(keys()).toEqual([
      ['all', 1],
      ['env', 1],
      ['host', 0],
    ]);
    expect(rowCount(hostRows)).toBe(0);
    // Even a host seen before adds no row now.
    await store.write([aggregate(host(2), 3, [1])], []);
    expect(rowCount(hostRows)).toBe(0);
    for (const q of [
      bucketQuery(T0, { groupBy: ['host'] }),
      bucketQuery(T0, { tagFilters: [['host', 'h1']] }),
      bucketQuery(T0, { groupBy: ['env'] }),
      bucketQuery(T0, { tagFilters: [['env', 'prod']], stepMs: 5 * MINUTE_MS, tier: tier('5m') }),
    ]) {
      const answer = await store.queryBuckets(q);
      expect(answer.length).toBeGreaterThan(0);
      expect(plain(answer)).toEqual(plain(await store.queryBuckets(scanOf(q))));
    }
    // A reopened store keeps the decision.
    await store.close();
    stores.forget();
    const again = stores.store(stores.path());
    await again.write([aggregate(host(TAG_ROLLUP_MAX_VALUES + 1), 4, [1])], []);
    expect(keys()).toEqual([
      ['all', 1],
      ['env', 1],
      ['host', 0],
    ]);
    expect(rowCount(hostRows)).toBe(0);
  });

  it(`roll up at most ${TAG_ROLLUP_MAX_KEYS} keys of a metric, the first seen`, async () => {
    const store = stores.store();
    const tags = (n: number): Record<string, string> =>
      Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v']));
    await store.write([aggregate({ tags: tags(3), type: 'gauge' }, 0, [1])], []);
    await store.write([aggregate({ tags: tags(TAG_ROLLUP_MAX_KEYS + 4), type: 'gauge' }, 0, [2])], []);
    const keyCount = `SELECT count(*) FROM ${TAG_ROLLUP_KEY_TABLE}`;
    expect(rowCount(keyCount)).toBe(TAG_ROLLUP_MAX_KEYS);
    // 'all' and k0..k2 came first; the others wait for free places that never come.
    const q = bucketQuery(T0, { groupBy: [`k${TAG_ROLLUP_MAX_KEYS + 3}`] });
    expect(plain(await store.queryBuckets(q))).toEqual(plain(await store.queryBuckets(scanOf(q))));
  });

  it('are trimmed by retention with their tier, and forgotten with a silent metric', async () => {
    const retention = { '1m': 90 * MINUTE_MS, '5m': 90 * MINUTE_MS, '1h': 1e13, '1d': 1e13 };
    const store = stores.store(undefined, retention);
    const series: SeriesSpec[] = ['eu', 'us'].map((region) => ({ tags: { region }, type: 'gauge' }));
    for (let m = 0; m < 180; m += 30) {
      await store.write(
        series.flatMap((s) => Array.from({ length: 30 }, (_, i) => aggregate(s, m + i, [m + i]))),
        [],
      );
    }
    await store.applyRetention(T0 + 180 * MINUTE_MS);
    // Two values (and the key 'all') of 90 minutes left in the minute tier.
    expect(rowCount(`SELECT count(*) FROM ${tagRollupTable('1m')}`)).toBe(3 * 90);
    expect(rowCount(`SELECT min(start) FROM ${tagRollupTable('5m')}`)).toBe(T0 + 90 * MINUTE_MS);
    expect(rowCount(`SELECT count(*) FROM ${tagRollupTable('1h')}`)).toBeGreaterThan(0);
    await store.applyRetention(T0 + 1e13 + DAY);
    expect(rowCount(`SELECT count(*) FROM ${TAG_ROLLUP_KEY_TABLE}`)).toBe(0);
  });

  it('are filled from the tier rows when a store of schema 5 is opened', async () => {
    const path = stores.path('migrated.db');
    const first = stores.store(path);
    const series: SeriesSpec[] = ['eu', 'us', 'ap', 'eu'].map((region, i) => ({
      tags: { region, host: `h${i}` },
      type: i === 3 ? 'counter' : 'gauge',
    }));
    for (let m = 0; m < 120; m += 40) {
      await first.write(
        series.flatMap((s, i) => Array.from({ length: 40 }, (_, k) => aggregate(s, m + k, [i + k, m]))),
        [],
      );
    }
    const dump = (): unknown[] => {
      const db = new Database(path, { readonly: true });
      try {
        return [
          db.prepare(`SELECT * FROM ${TAG_ROLLUP_KEY_TABLE} ORDER BY 1, 2`).raw().all(),
          ...TIERS.map((t) =>
            db
              .prepare(
                `SELECT * FROM ${tagRollupTable(t.name)} ORDER BY metric_id, tag_key, start, tag_value`,
              )
              .raw()
              .all(),
          ),
        ];
      } finally {
        db.close();
      }
    };
    const written = dump();
    await first.close();
    stores.forget();
    const db = new Database(path);
    asSchema5(db);
    db.close();
    stores.store(path);
    const migrated = dump();
    expect(migrated).toEqual(written);
    expect((migrated[1] as unknown[]).length).toBe(120 * 4 * 2);
  });
});

const DAY = 86_400_000;
