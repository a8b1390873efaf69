import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DAY_MS,
  HOUR_MS,
  MINUTE_MS,
  TIERS,
  addSample,
  canonicalTags,
  floorTo,
  mergeAggregate,
  newAggregate,
  rebucket,
} from '../../core/index.js';
import type { Aggregate, MetricType, Tags, Tier, TierRetention } from '../../core/index.js';
import type { BucketGroup, BucketQuery } from '../store.js';
import { SqliteStore } from './sqlite-store.js';
import { bucketQuery, comparableBucket, seededRandom as rng, tier } from '../../../test/support/fixtures.js';

/** A page large enough for every name these tests write. */
const ALL = { limit: 100_000 };

const T0 = Date.UTC(2024, 0, 1); // a day boundary
const FOREVER: TierRetention = { '1m': 1e13, '5m': 1e13, '1h': 1e13, '1d': 1e13 };

let dir: string;
const stores: SqliteStore[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vantage-sqlite-'));
});

afterEach(async () => {
  for (const s of stores.splice(0)) await s.close().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

function openStore(retention: TierRetention = FOREVER): SqliteStore {
  const store = new SqliteStore({ path: join(dir, 'vantage.db'), retention });
  stores.push(store);
  return store;
}

function agg(
  samples: readonly (readonly [number, number])[],
  opts: { service?: string; name?: string; type?: MetricType; tags?: Tags } = {},
): Aggregate {
  const first = samples[0];
  if (first === undefined) throw new Error('no samples');
  const a = newAggregate(
    opts.service ?? 'checkout',
    opts.name ?? 'latency_ms',
    opts.type ?? 'gauge',
    canonicalTags(opts.tags ?? {}),
    floorTo(first[1], MINUTE_MS),
  );
  for (const [v, t] of samples) addSample(a, v, t);
  return a;
}

/** Minute aggregates over two days, integer values so that sums are exact in any order. */
function minuteAggregates(tags: Tags, seed: number, type: MetricType = 'gauge'): Aggregate[] {
  const random = rng(seed);
  const out: Aggregate[] = [];
  for (let m = 0; m < 2 * 1440; m += 13) {
    const start = T0 + m * MINUTE_MS;
    const n = 1 + Math.floor(random() * 4);
    const samples: [number, number][] = [];
    for (let i = 0; i < n; i++) {
      samples.push([1 + Math.floor(random() * 1000), start + Math.floor(random() * 60) * 1000]);
    }
    out.push(agg(samples, { tags, type }));
  }
  return out;
}

/** What a bucket of `stepMs` should hold: the merge of the aggregates in it. */
function expectedBuckets(aggregates: readonly Aggregate[], stepMs: number): Aggregate[] {
  const byStart = new Map<number, Aggregate>();
  for (const a of aggregates) {
    const start = floorTo(a.start, stepMs);
    const existing = byStart.get(start);
    if (existing) mergeAggregate(existing, a);
    else byStart.set(start, rebucket(a, start));
  }
  return [...byStart.values()].sort((x, y) => x.start - y.start);
}

function comparableAggregate(a: Aggregate): Record<string, unknown> {
  return {
    start: a.start,
    count: a.count,
    sum: a.sum,
    min: a.min,
    max: a.max,
    last: a.last,
    sketch: a.sketch ? a.sketch.encode().toString('hex') : null,
  };
}

function query(overrides: Partial<BucketQuery> = {}): BucketQuery {
  return bucketQuery(T0, overrides);
}

function only(groups: BucketGroup[]): BucketGroup {
  expect(groups).toHaveLength(1);
  return groups[0] as BucketGroup;
}

describe('SqliteStore writes and tiers', () => {
  it('reads back minute aggregates, and each coarser tier as the merge of its minutes', async () => {
    const store = openStore();
    const minutes = minuteAggregates({ region: 'eu' }, 1);
    await store.write(minutes, []);
    for (const [name, step] of [
      ['1m', MINUTE_MS],
      ['5m', 5 * MINUTE_MS],
      ['1h', HOUR_MS],
      ['1d', DAY_MS],
    ] as const) {
      const group = only(await store.queryBuckets(query({ tier: tier(name), stepMs: step })));
      expect(group.type).toBe('gauge');
      expect(group.buckets.map(comparableBucket), name).toEqual(
        expectedBuckets(minutes, step).map(comparableAggregate),
      );
    }
  });

  it('buckets a finer tier into a coarser step exactly as the coarser tier', async () => {
    const store = openStore();
    await store.write(minuteAggregates({ region: 'eu' }, 2), []);
    for (const [fine, coarse, step] of [
      ['1m', '5m', 5 * MINUTE_MS],
      ['1m', '1h', HOUR_MS],
      ['5m', '1h', HOUR_MS],
      ['1h', '1d', DAY_MS],
      ['5m', '5m', 15 * MINUTE_MS],
    ] as const) {
      const a = only(await store.queryBuckets(query({ tier: tier(fine), stepMs: step })));
      const b = only(await store.queryBuckets(query({ tier: tier(coarse), stepMs: step })));
      expect(a.buckets.map(comparableBucket), `${fine} vs ${coarse} at ${step}`).toEqual(
        b.buckets.map(comparableBucket),
      );
      expect(a.buckets.every((x) => x.start % step === 0)).toBe(true);
    }
  });

  it('merges two writes of partials of one series-minute exactly', async () => {
    const store = openStore();
    const start = T0 + 10 * MINUTE_MS;
    const samples: [number, number][] = Array.from({ length: 200 }, (_, i) => [
      ((i * 37) % 500) + 1,
      start + ((i * 7) % 60) * 1000,
    ]);
    const whole = agg(samples);
    await store.write([agg(samples.filter((_, i) => i % 3 === 0))], []);
    await store.write([agg(samples.filter((_, i) => i % 3 !== 0))], []);
    for (const name of ['1m', '5m', '1h', '1d'] as const) {
      const step = tier(name).resolutionMs;
      const group = only(await store.queryBuckets(query({ tier: tier(name), stepMs: step })));
      const [bucket] = group.buckets;
      expect(group.buckets).toHaveLength(1);
      expect(bucket?.count).toBe(200);
      expect(bucket?.sum).toBe(whole.sum);
      expect(bucket?.min).toBe(whole.min);
      expect(bucket?.max).toBe(whole.max);
      expect(bucket?.last).toBe(whole.last);
      expect(bucket?.sketch?.quantile(0.99)).toBe(whole.sketch?.quantile(0.99));
      expect(bucket?.sketch?.encode().equals(whole.sketch?.encode() ?? Buffer.alloc(0))).toBe(true);
    }
  });

  it('keeps the latest last across writes, ties to the larger value, in any write order', async () => {
    const store = openStore();
    const start = T0 + 3 * MINUTE_MS;
    const orders = [
      [50, 7, 9],
      [9, 7, 50],
      [7, 9, 50],
    ];
    for (const [i, order] of orders.entries()) {
      const name = `gauge_${i}`;
      for (const v of order) {
        // 50 comes first in time; 7 and 9 tie on the latest time.
        const t = v === 50 ? start + 1_000 : start + 30_000;
        await store.write([agg([[v, t]], { name })], []);
      }
      const [bucket] = only(await store.queryBuckets(query({ metric: name }))).buckets;
      expect(bucket?.last, order.join(',')).toBe(9);
    }
  });

  it('merges several partials of one series-minute within one write', async () => {
    const store = openStore();
    const start = T0 + 7 * MINUTE_MS;
    const a = agg([
      [1, start + 1],
      [5, start + 2],
    ]);
    const b = agg([[3, start + 3]]);
    await store.write([a, b], []);
    const [bucket] = only(await store.queryBuckets(query())).buckets;
    expect(bucket).toMatchObject({ start, count: 3, sum: 9, min: 1, max: 5, last: 3 });
  });

  it('leaves out last and sketch when not asked for', async () => {
    const store = openStore();
    await store.write([agg([[4, T0 + 1]])], []);
    const [bucket] = only(await store.queryBuckets(query({ needLast: false, needSketch: false }))).buckets;
    expect(bucket?.count).toBe(1);
    expect(bucket?.last).toBeUndefined();
    expect(bucket?.sketch).toBeUndefined();
  });

  it('reads only the [from, to) range', async () => {
    const store = openStore();
    await store.write([agg([[1, T0]]), agg([[2, T0 + MINUTE_MS]]), agg([[3, T0 + 2 * MINUTE_MS]])], []);
    const group = only(await store.queryBuckets(query({ from: T0 + MINUTE_MS, to: T0 + 2 * MINUTE_MS })));
    expect(group.buckets.map((b) => b.sum)).toEqual([2]);
    expect(await store.queryBuckets(query({ from: T0 + DAY_MS, to: T0 + 2 * DAY_MS }))).toEqual([]);
  });

  it('reports counters as counters, without sketches', async () => {
    const store = openStore();
    await store.write(
      minuteAggregates({ route: '/pay' }, 3, 'counter').map((a) => ({ ...a, name: 'requests' })),
      [],
    );
    const group = only(
      await store.queryBuckets(query({ metric: 'requests', tier: tier('1h'), stepMs: HOUR_MS })),
    );
    expect(group.type).toBe('counter');
    expect(group.buckets.length).toBeGreaterThan(0);
    expect(group.buckets.every((b) => b.sketch === undefined)).toBe(true);
  });

  it('reports a group mixing counters and gauges as a gauge', async () => {
    const store = openStore();
    await store.write([agg([[1, T0]], { type: 'counter' }), agg([[2, T0]], { type: 'gauge' })], []);
    const group = only(await store.queryBuckets(query()));
    expect(group.type).toBe('gauge');
    expect(group.buckets[0]?.count).toBe(2);
  });

  it('returns nothing for an unknown service or metric', async () => {
    const store = openStore();
    await store.write([agg([[1, T0]])], []);
    expect(await store.queryBuckets(query({ service: 'nope' }))).toEqual([]);
    expect(await store.queryBuckets(query({ metric: 'nope' }))).toEqual([]);
  });
});

describe('SqliteStore selection', () => {
  const series: Tags[] = [
    { region: 'eu', host: 'a' },
    { region: 'us', host: 'b' },
    { region: 'eu', host: 'c' },
    { host: 'd' },
  ];

  async function seeded(): Promise<{ store: SqliteStore; data: Map<string, Aggregate[]> }> {
    const store = openStore();
    const data = new Map<string, Aggregate[]>();
    const all: Aggregate[] = [];
    series.forEach((tags, i) => {
      const aggs = minuteAggregates(tags, 10 + i).slice(0, 40);
      data.set(canonicalTags(tags), aggs);
      all.push(...aggs);
    });
    await store.write(all, []);
    return { store, data };
  }

  function totals(groups: readonly BucketGroup[]): { count: number; sum: number } {
    let count = 0;
    let sum = 0;
    for (const g of groups)
      for (const b of g.buckets) {
        count += b.count;
        sum += b.sum;
      }
    return { count, sum };
  }

  function totalsOf(aggs: readonly Aggregate[]): { count: number; sum: number } {
    return { count: aggs.reduce((n, a) => n + a.count, 0), sum: aggs.reduce((n, a) => n + a.sum, 0) };
  }

  const hourly = { tier: TIERS[2] as Tier, stepMs: HOUR_MS };

  it('filters on tag equality', async () => {
    const { store, data } = await seeded();
    const eu = [
      ...(data.get(canonicalTags({ region: 'eu', host: 'a' })) ?? []),
      ...(data.get(canonicalTags({ region: 'eu', host: 'c' })) ?? []),
    ];
    const group = only(await store.queryBuckets(query({ ...hourly, tagFilters: [['region', 'eu']] })));
    expect(group.tags).toEqual({});
    expect(group.buckets.map(comparableBucket)).toEqual(
      expectedBuckets(eu, HOUR_MS).map(comparableAggregate),
    );

    const both = only(
      await store.queryBuckets(
        query({
          ...hourly,
          tagFilters: [
            ['region', 'eu'],
            ['host', 'c'],
          ],
        }),
      ),
    );
    expect(totals([both])).toEqual(totalsOf(data.get(canonicalTags({ region: 'eu', host: 'c' })) ?? []));
    expect(await store.queryBuckets(query({ tagFilters: [['region', 'mars']] }))).toEqual([]);
  });

  it('groups by tag values, with "" for series lacking the tag', async () => {
    const { store, data } = await seeded();
    const groups = await store.queryBuckets(query({ ...hourly, groupBy: ['region'] }));
    const byRegion = new Map(groups.map((g) => [g.tags.region, g]));
    expect([...byRegion.keys()].sort()).toEqual(['', 'eu', 'us']);
    expect(totals([byRegion.get('us') as BucketGroup])).toEqual(
      totalsOf(data.get(canonicalTags({ region: 'us', host: 'b' })) ?? []),
    );
    expect(totals([byRegion.get('') as BucketGroup])).toEqual(
      totalsOf(data.get(canonicalTags({ host: 'd' })) ?? []),
    );
    // The groups partition the series: together they hold what the ungrouped query holds.
    const everything = only(await store.queryBuckets(query(hourly)));
    expect(totals(groups)).toEqual(totals([everything]));
    expect(totals([everything])).toEqual(totalsOf([...data.values()].flat()));
  });

  it('groups by several tags within a filter', async () => {
    const { store } = await seeded();
    const groups = await store.queryBuckets(
      query({ ...hourly, tagFilters: [['region', 'eu']], groupBy: ['host', 'region'] }),
    );
    expect(groups.map((g) => g.tags).sort((a, b) => String(a.host).localeCompare(String(b.host)))).toEqual([
      { host: 'a', region: 'eu' },
      { host: 'c', region: 'eu' },
    ]);
  });
});

describe('SqliteStore catalog and checkpoints', () => {
  it('summarises services and metrics', async () => {
    const store = openStore();
    await store.write(
      [
        agg([[1, T0 + 5_000]], { service: 'checkout', name: 'latency_ms', tags: { region: 'eu' } }),
        agg([[1, T0 + 9_000]], {
          service: 'checkout',
          name: 'latency_ms',
          tags: { region: 'us', host: 'h' },
        }),
        agg([[1, T0 + 7_000]], { service: 'checkout', name: 'requests', type: 'counter' }),
        agg([[1, T0 + 2 * MINUTE_MS]], { service: 'cart', name: 'items', tags: { tier: 'gold' } }),
      ],
      [],
    );
    expect(await store.services(ALL)).toEqual([
      { name: 'cart', metricCount: 1, lastSeen: T0 + 2 * MINUTE_MS },
      { name: 'checkout', metricCount: 2, lastSeen: T0 + 9_000 },
    ]);
    expect(await store.metrics('checkout', ALL)).toEqual([
      {
        name: 'latency_ms',
        types: ['gauge'],
        tagKeys: ['host', 'region'],
        seriesCount: 2,
        lastSeen: T0 + 9_000,
      },
      { name: 'requests', types: ['counter'], tagKeys: [], seriesCount: 1, lastSeen: T0 + 7_000 },
    ]);
    expect(await store.metrics('nobody', ALL)).toEqual([]);
    expect((await store.stats()).series).toBe(4);
  });

  it('saves checkpoints with the write and returns the latest per partition', async () => {
    const store = openStore();
    await store.write([agg([[1, T0]])], [{ source: 'embedded:log-a', partition: 0, offset: 42 }]);
    expect(await store.checkpoints('embedded:log-a')).toEqual([
      { source: 'embedded:log-a', partition: 0, offset: 42 },
    ]);
    await store.write(
      [],
      [
        { source: 'embedded:log-a', partition: 0, offset: 99 },
        { source: 'embedded:log-a', partition: 1, offset: 7 },
      ],
    );
    const saved = await store.checkpoints('embedded:log-a');
    expect(saved.sort((a, b) => a.partition - b.partition)).toEqual([
      { source: 'embedded:log-a', partition: 0, offset: 99 },
      { source: 'embedded:log-a', partition: 1, offset: 7 },
    ]);
    expect(await store.checkpoints('embedded:log-b')).toEqual([]);
  });

  it('sets an aggregate it can never store aside and stores the rest with the checkpoint', async () => {
    const store = openStore();
    await store.write([agg([[1, T0]])], [{ source: 's', partition: 0, offset: 1 }]);
    // A null min would violate the schema's NOT NULL: retried, it would fail for ever.
    const broken: Aggregate = { ...agg([[5, T0 + MINUTE_MS]]), min: null as unknown as number };
    const report = await store.write(
      [agg([[100, T0 + 2 * MINUTE_MS]]), broken],
      [{ source: 's', partition: 0, offset: 2 }],
    );
    expect(report.deadLetters.map((d) => d.reason)).toEqual(['min is null, not a finite number']);
    expect(await store.checkpoints('s')).toEqual([{ source: 's', partition: 0, offset: 2 }]);
    const group = only(await store.queryBuckets(query()));
    expect(group.buckets.map((b) => b.sum)).toEqual([1, 100]);
    // The store still works afterwards.
    await store.write([agg([[3, T0 + 3 * MINUTE_MS]])], [{ source: 's', partition: 0, offset: 3 }]);
    expect((await store.checkpoints('s'))[0]?.offset).toBe(3);
  });

  it('keeps data and checkpoints across close and reopen', async () => {
    const first = openStore();
    const minutes = minuteAggregates({ region: 'eu' }, 5);
    await first.write(minutes, [{ source: 'embedded:x', partition: 0, offset: 1234 }]);
    const before = (await first.queryBuckets(query({ tier: tier('1h'), stepMs: HOUR_MS }))).map((g) =>
      g.buckets.map(comparableBucket),
    );
    await first.close();
    stores.pop();
    const second = openStore();
    expect(await second.checkpoints('embedded:x')).toEqual([
      { source: 'embedded:x', partition: 0, offset: 1234 },
    ]);
    const after = (await second.queryBuckets(query({ tier: tier('1h'), stepMs: HOUR_MS }))).map((g) =>
      g.buckets.map(comparableBucket),
    );
    expect(after).toEqual(before);
    expect(before[0]?.length).toBeGreaterThan(10);
    // New partials keep merging into rows written before the reopen.
    const extra = agg([[100_000, (minutes[0] as Aggregate).start + 59_000]], { tags: { region: 'eu' } });
    await second.write([extra], []);
    const [firstBucket] = only(await second.queryBuckets(query())).buckets;
    expect(firstBucket?.count).toBe((minutes[0] as Aggregate).count + 1);
    expect(firstBucket?.max).toBe(100_000);
  });
});

describe('SqliteStore retention', () => {
  const NOW = T0 + 200 * DAY_MS;
  const RETENTION: TierRetention = { '1m': DAY_MS, '5m': 2 * DAY_MS, '1h': 10 * DAY_MS, '1d': 100 * DAY_MS };

  async function countRows(store: SqliteStore, name: Tier['name']): Promise<number> {
    const groups = await store.queryBuckets(
      query({ tier: tier(name), stepMs: tier(name).resolutionMs, from: 0, to: NOW + DAY_MS }),
    );
    return groups.reduce((n, g) => n + g.buckets.length, 0);
  }

  it('deletes rows older than each tier retention and keeps newer ones', async () => {
    const store = openStore(RETENTION);
    const ages = [12 * HOUR_MS, 36 * HOUR_MS, 5 * DAY_MS, 50 * DAY_MS, 150 * DAY_MS];
    await store.write(
      ages.map((age) => agg([[1, NOW - age]])),
      [],
    );
    for (const name of ['1m', '5m', '1h', '1d'] as const) expect(await countRows(store, name)).toBe(5);
    const report = await store.applyRetention(NOW);
    expect(report.deletedRows).toEqual({ '1m': 4, '5m': 3, '1h': 2, '1d': 1 });
    expect(await countRows(store, '1m')).toBe(1);
    expect(await countRows(store, '5m')).toBe(2);
    expect(await countRows(store, '1h')).toBe(3);
    expect(await countRows(store, '1d')).toBe(4);
    // Nothing more to delete on a second run at the same time.
    expect((await store.applyRetention(NOW)).deletedRows).toEqual({ '1m': 0, '5m': 0, '1h': 0, '1d': 0 });
  });

  it('keeps a row that starts exactly at the cutoff', async () => {
    const store = openStore(RETENTION);
    await store.write([agg([[1, NOW - DAY_MS]]), agg([[1, NOW - DAY_MS - MINUTE_MS]])], []);
    await store.applyRetention(NOW);
    expect(await countRows(store, '1m')).toBe(1);
  });

  it('forgets metrics silent for longer than the longest retention, and takes them back later', async () => {
    const store = openStore(RETENTION);
    await store.write(
      [agg([[1, NOW - 150 * DAY_MS]], { service: 'old' }), agg([[1, NOW - HOUR_MS]], { service: 'new' })],
      [],
    );
    const report = await store.applyRetention(NOW);
    expect(report.deletedSeries).toBe(1);
    expect((await store.services(ALL)).map((s) => s.name)).toEqual(['new']);
    expect((await store.stats()).series).toBe(1);

    // The same series comes back: the store must not reuse ids it deleted.
    await store.write([agg([[7, NOW - 2 * MINUTE_MS]], { service: 'old' })], []);
    expect((await store.services(ALL)).map((s) => s.name)).toEqual(['new', 'old']);
    const group = only(
      await store.queryBuckets(query({ service: 'old', from: NOW - DAY_MS, to: NOW + DAY_MS })),
    );
    expect(group.buckets.map((b) => b.sum)).toEqual([7]);
  });
});
