import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOUR_MS, MINUTE_MS, addSample, canonicalTags, floorTo, newAggregate } from '../../core/index.js';
import type { Aggregate, MetricType, TierRetention } from '../../core/index.js';
import { bucketQuery, tier } from '../../../test/support/fixtures.js';
import { SqliteStore } from '../sqlite/sqlite-store.js';
import type { Bucket, BucketGroup, BucketQuery } from '../store.js';
import { mergeMetrics, replayedBatches } from './outbox-merge.js';
import { OutboxMergedStore } from './outbox-merged-store.js';
import { OutboxReader } from './outbox-reader.js';
import type { OutboxBatchRef } from './outbox-reader.js';
import { SqliteOutbox } from './sqlite-outbox.js';

/**
 * The query API's view with the fallback on: a store holding what reached it, plus an outbox
 * holding the rest (some batches of it also in the store: replayed, not yet deleted), must answer
 * exactly as one store holding everything once.
 */
const T0 = Date.UTC(2024, 0, 1);
const SOURCE = 'kafka:metrics-raw';
const FOREVER: TierRetention = { '1m': 1e13, '5m': 1e13, '1h': 1e13, '1d': 1e13 };
/** ClickHouse took everything before this (mid-minute); the outbox holds what came after. */
const CUT = T0 + 2 * HOUR_MS + 17 * MINUTE_MS + 30_000;
const END = T0 + 3 * HOUR_MS;
const Z_FROM = CUT + 30 * MINUTE_MS;

let dir: string;
let all: SqliteStore;
let primary: SqliteStore;
let outbox: SqliteOutbox;
let merged: OutboxMergedStore;

interface Series {
  readonly name: string;
  readonly type: MetricType;
  readonly tags: Record<string, string>;
  readonly partition: number;
}

const SERIES: Series[] = [];
for (const host of ['a', 'b', 'c']) {
  for (const region of ['eu', 'us']) {
    const partition = host === 'b' ? 1 : 0;
    SERIES.push({ name: 'latency_ms', type: 'gauge', tags: { host, region }, partition });
    SERIES.push({ name: 'requests', type: 'counter', tags: { host, region }, partition });
  }
}
/** A series that appears after the batches of its partition that were replayed: in the outbox alone. */
SERIES.push({ name: 'requests', type: 'counter', tags: { host: 'z', region: 'eu' }, partition: 1 });

/** Per-minute aggregates of every series' samples in [from, to), every 10 s. */
function aggregates(from: number, to: number, only?: (s: Series) => boolean): Aggregate[] {
  const out = new Map<string, Aggregate>();
  SERIES.forEach((s, i) => {
    if (only && !only(s)) return;
    if (s.tags.host === 'z' && from < Z_FROM) return;
    for (let t = Math.ceil(from / 10_000) * 10_000; t < to; t += 10_000) {
      const start = floorTo(t, MINUTE_MS);
      const key = `${i}:${start}`;
      let a = out.get(key);
      if (a === undefined) {
        a = newAggregate('checkout', s.name, s.type, canonicalTags(s.tags), start);
        out.set(key, a);
      }
      addSample(a, (((t / 10_000) * (i + 3)) % 97) * 0.25, t);
    }
  });
  return [...out.values()];
}

function comparable(groups: readonly BucketGroup[]): unknown[] {
  const bucket = (b: Bucket): unknown => ({
    start: b.start,
    count: b.count,
    sum: b.sum,
    min: b.min,
    max: b.max,
    last: b.last,
    sketch: b.sketch ? b.sketch.encode().toString('hex') : null,
  });
  return [...groups]
    .map((g) => ({ tags: g.tags, type: g.type, buckets: g.buckets.map(bucket) }))
    .sort((a, b) => JSON.stringify(a.tags).localeCompare(JSON.stringify(b.tags)));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vantage-merged-'));
  all = new SqliteStore({ path: join(dir, 'all.db'), retention: FOREVER });
  primary = new SqliteStore({ path: join(dir, 'clickhouse.db'), retention: FOREVER });
  outbox = new SqliteOutbox(join(dir, 'outbox.db'));
  await all.write(aggregates(T0, CUT), []);
  await primary.write(aggregates(T0, CUT), []);
  // After the cut, per partition, batches of 10 minutes, each ending at offset 100 * (n + 1).
  for (const partition of [0, 1]) {
    let n = 0;
    for (let from = CUT; from < END; from += 10 * MINUTE_MS, n++) {
      const batch = aggregates(from, Math.min(END, from + 10 * MINUTE_MS), (s) => s.partition === partition);
      const checkpoint = { source: SOURCE, partition, offset: 100 * (n + 1) };
      await all.write(batch, []);
      outbox.append(
        { checkpoint, firstOffset: 100 * n + 1, messages: 100, samples: 0, oldest: from, attempts: 0 },
        batch,
      );
      // Replayed into the store already, not yet deleted: partition 0's first batch, 1's first two.
      if (n < partition + 1) await primary.write(batch, [checkpoint]);
    }
  }
  merged = new OutboxMergedStore(primary, [new OutboxReader(join(dir, 'outbox.db'))]);
});

afterAll(async () => {
  await merged.close();
  await all.close();
  outbox.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('OutboxMergedStore', () => {
  const shapes: [string, Partial<BucketQuery>][] = [
    ['1m tier, whole metric', {}],
    ['1m tier by host, 5-minute steps', { groupBy: ['host'], stepMs: 5 * MINUTE_MS }],
    ['5m tier by region', { tier: tier('5m'), stepMs: 5 * MINUTE_MS, groupBy: ['region'] }],
    ['1h tier filtered on a tag', { tier: tier('1h'), stepMs: HOUR_MS, tagFilters: [['region', 'eu']] }],
    ['counters by host, no sketch', { metric: 'requests', groupBy: ['host'], needSketch: false }],
    ['a series only the outbox has', { metric: 'requests', tagFilters: [['host', 'z']] }],
    ['a range ending before the cut', { to: T0 + HOUR_MS }],
    ['a range starting after the cut', { from: CUT - (CUT % MINUTE_MS) + 5 * MINUTE_MS }],
  ];

  it.each(shapes)('answers %s as one store holding everything would', async (_name, overrides) => {
    const q = bucketQuery(T0, overrides);
    expect(comparable(await merged.queryBuckets(q))).toEqual(comparable(await all.queryBuckets(q)));
  });

  it('lists services and metrics as one store would', async () => {
    expect(await merged.services()).toEqual(await all.services());
    expect(await merged.metrics('checkout')).toEqual(await all.metrics('checkout'));
    expect((await primary.metrics('checkout')).find((m) => m.name === 'requests')?.seriesCount).toBe(6);
    expect((await merged.metrics('checkout')).find((m) => m.name === 'requests')?.seriesCount).toBe(7);
  });

  it("reads ClickHouse's checkpoints after the outbox snapshot and before the data", async () => {
    const calls: string[] = [];
    const logged = new Proxy(primary, {
      get(target, name, receiver) {
        const value: unknown = Reflect.get(target, name, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          calls.push(String(name));
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    const reader = new OutboxReader(join(dir, 'outbox.db'));
    const read = reader.read.bind(reader);
    reader.read = (select) => {
      calls.push('outbox');
      return read(select);
    };
    const store = new OutboxMergedStore(logged, [reader]);
    await store.queryBuckets(bucketQuery(T0));
    await store.metrics('checkout');
    reader.close();
    expect(calls).toEqual(['outbox', 'checkpoints', 'queryBuckets', 'outbox', 'checkpoints', 'metrics']);
  });

  it('answers from the store alone when the outbox is empty or its file does not exist', async () => {
    const none = new OutboxMergedStore(primary, [new OutboxReader(join(dir, 'not-there.db'))]);
    const q = bucketQuery(T0, { groupBy: ['host'] });
    expect(comparable(await none.queryBuckets(q))).toEqual(comparable(await primary.queryBuckets(q)));
    expect(await none.services()).toEqual(await primary.services());
    await expect(none.write([], [])).rejects.toThrow(/does not write/);
  });
});

describe('mergeMetrics', () => {
  it('unites types and tag keys, and counts series as the larger side: a lower bound', () => {
    const base = [{ name: 'm', types: ['gauge' as const], tagKeys: ['host'], seriesCount: 3, lastSeen: 10 }];
    const pending = [
      { batchId: 1, name: 'm', type: 'counter' as const, tags: '{"zone":"z1"}', lastSeen: 20 },
      { batchId: 2, name: 'm', type: 'counter' as const, tags: '{"zone":"z1"}', lastSeen: 15 },
      { batchId: 2, name: 'n', type: 'gauge' as const, tags: '{}', lastSeen: 5 },
    ];
    expect(mergeMetrics(base, pending)).toEqual([
      { name: 'm', types: ['counter', 'gauge'], tagKeys: ['host', 'zone'], seriesCount: 3, lastSeen: 20 },
      { name: 'n', types: ['gauge'], tagKeys: [], seriesCount: 1, lastSeen: 5 },
    ]);
  });
});

describe('replayedBatches', () => {
  const ref = (id: number, partition: number, offset: number, source = SOURCE): OutboxBatchRef => ({
    id,
    checkpoint: { source, partition, offset },
  });
  const batches = [ref(1, 0, 10), ref(2, 1, 5), ref(3, 0, 20), ref(4, 0, 30), ref(5, 1, 9)];
  const stored = (entries: [number, number][], source = SOURCE) => new Map([[source, new Map(entries)]]);

  it('takes a partition checkpoint equal to a batch end as that batch and the earlier ones replayed', () => {
    expect(replayedBatches(batches, stored([[0, 20]]))).toEqual(new Set([1, 3]));
    expect(
      replayedBatches(
        batches,
        stored([
          [0, 30],
          [1, 5],
        ]),
      ),
    ).toEqual(new Set([1, 3, 4, 2]));
  });

  it('takes nothing as replayed on a checkpoint that is no batch end (older, or moved on by another worker)', () => {
    expect(replayedBatches(batches, stored([[0, 4]]))).toEqual(new Set());
    expect(
      replayedBatches(
        batches,
        stored([
          [0, 500],
          [1, 700],
        ]),
      ),
    ).toEqual(new Set());
    expect(replayedBatches(batches, stored([[0, 20]], 'kafka:other'))).toEqual(new Set());
  });
});
