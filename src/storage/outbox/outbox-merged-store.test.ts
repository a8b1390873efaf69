import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOUR_MS, MINUTE_MS, addSample, canonicalTags, floorTo, newAggregate } from '../../core/index.js';
import type { Aggregate, MetricType, TierRetention } from '../../core/index.js';
import { bucketQuery, comparableBucket, tier } from '../../../test/support/fixtures.js';
import { SqliteStore } from '../sqlite/sqlite-store.js';
import type { BatchPresence, BatchScope } from '../batch-presence.js';
import { dedupToken } from '../clickhouse/rows.js';
import type { BucketGroup, BucketQuery, Checkpoint } from '../store.js';
import { batchesInStore, mergeMetrics } from './outbox-merge.js';
import { OutboxMergedStore } from './outbox-merged-store.js';
import { OutboxReader } from './outbox-reader.js';
import { SqliteOutbox } from './sqlite-outbox.js';

/** A page large enough for every name these tests write. */
const ALL = { limit: 100_000 };

/**
 * The query API's view with the fallback on: a store holding what reached it, plus an outbox
 * holding the rest (some batches of it also in the store: replayed and not yet deleted, or landed
 * though the worker never heard back), must answer exactly as one store holding everything once.
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
let presence: FakePresence;

/**
 * The store's batch tokens as ClickHouse's batch_token column tells them: the rows of each batch
 * written to the store, counted in the scope asked. `shortBy` makes a batch look stored in part.
 */
class FakePresence implements BatchPresence {
  readonly written = new Map<string, Aggregate[]>();
  readonly scopes: BatchScope[] = [];
  readonly shortBy = new Map<string, number>();

  async storedRows(scope: BatchScope): Promise<Map<string, number>> {
    this.scopes.push(scope);
    const out = new Map<string, number>();
    for (const token of scope.tokens) {
      const n =
        (this.written.get(token) ?? []).filter(
          (a) =>
            a.service === scope.service &&
            a.name === scope.metric &&
            a.count > 0 &&
            a.start >= scope.firstStart &&
            a.start <= scope.lastStart,
        ).length - (this.shortBy.get(token) ?? 0);
      if (n > 0) out.set(token, n);
    }
    return out;
  }
}

/** A batch's insert reaching the store, with or without its checkpoint after it. */
async function landInStore(
  batch: Aggregate[],
  checkpoint: Checkpoint,
  withCheckpoint: boolean,
): Promise<void> {
  await primary.write(batch, withCheckpoint ? [checkpoint] : []);
  presence.written.set(dedupToken([checkpoint]) ?? '', batch);
}

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
  return [...groups]
    .map((g) => ({ tags: g.tags, type: g.type, buckets: g.buckets.map(comparableBucket) }))
    .sort((a, b) => JSON.stringify(a.tags).localeCompare(JSON.stringify(b.tags)));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vantage-merged-'));
  all = new SqliteStore({ path: join(dir, 'all.db'), retention: FOREVER });
  primary = new SqliteStore({ path: join(dir, 'clickhouse.db'), retention: FOREVER });
  outbox = new SqliteOutbox(join(dir, 'outbox.db'));
  presence = new FakePresence();
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
      // Partition 0's first batch: the insert in flight when the breaker opened, which reached
      // the store though the worker never heard back (so no checkpoint); diverted all the same.
      if (partition === 0 && n === 0) await landInStore(batch, checkpoint, false);
      // Partition 1's first two: replayed into the store already, not yet deleted.
      if (partition === 1 && n < 2) await landInStore(batch, checkpoint, true);
    }
  }
  merged = new OutboxMergedStore(primary, [new OutboxReader(join(dir, 'outbox.db'))], presence);
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
    expect(await merged.services(ALL)).toEqual(await all.services(ALL));
    expect(await merged.metrics('checkout', ALL)).toEqual(await all.metrics('checkout', ALL));
    expect((await primary.metrics('checkout', ALL)).find((m) => m.name === 'requests')?.seriesCount).toBe(6);
    expect((await merged.metrics('checkout', ALL)).find((m) => m.name === 'requests')?.seriesCount).toBe(7);
  });

  it('asks which batches the store holds after the outbox snapshot and before the data', async () => {
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
    const asked: BatchPresence = {
      storedRows: (scope) => {
        calls.push('storedRows');
        return presence.storedRows(scope);
      },
    };
    const store = new OutboxMergedStore(logged, [reader], asked);
    await store.queryBuckets(bucketQuery(T0));
    await store.metrics('checkout', ALL);
    reader.close();
    // Services and metrics merge by union and maximum: a batch on both sides changes nothing.
    expect(calls).toEqual(['outbox', 'storedRows', 'queryBuckets', 'outbox', 'metrics']);
  });

  it("asks about one metric's rows, from the outbox's first bucket on, and only the batches among them", async () => {
    presence.scopes.length = 0;
    const from = CUT - (CUT % MINUTE_MS) + 25 * MINUTE_MS;
    await merged.queryBuckets(bucketQuery(T0, { metric: 'requests', from }));
    expect(presence.scopes).toHaveLength(1);
    const [scope] = presence.scopes;
    expect(scope).toMatchObject({
      service: 'checkout',
      metric: 'requests',
      firstStart: from,
      lastStart: END - MINUTE_MS,
    });
    // Per partition, batches of 10 minutes from CUT (2:17:30): the two ending before `from`
    // (2:42) have no rows in the answer; three of five are asked about.
    expect(scope?.tokens).toHaveLength(2 * 3);
    expect(scope?.tokens).not.toContain(dedupToken([{ source: SOURCE, partition: 0, offset: 100 }]));
  });

  it('counts a batch the store holds only in part from the outbox too: twice in part, never missing', async () => {
    const token = dedupToken([{ source: SOURCE, partition: 0, offset: 100 }]) ?? '';
    const landed = presence.written.get(token)?.filter((a) => a.name === 'latency_ms') ?? [];
    presence.shortBy.set(token, 1);
    try {
      const q = bucketQuery(T0);
      const count = (groups: readonly BucketGroup[]): number =>
        groups.reduce((n, g) => n + g.buckets.reduce((m, b) => m + b.count, 0), 0);
      const twice = landed.reduce((n, a) => n + a.count, 0);
      expect(twice).toBeGreaterThan(0);
      expect(count(await merged.queryBuckets(q))).toBe(count(await all.queryBuckets(q)) + twice);
    } finally {
      presence.shortBy.clear();
    }
  });

  it('answers from the store alone when the outbox is empty or its file does not exist', async () => {
    presence.scopes.length = 0;
    const none = new OutboxMergedStore(primary, [new OutboxReader(join(dir, 'not-there.db'))], presence);
    const q = bucketQuery(T0, { groupBy: ['host'] });
    expect(comparable(await none.queryBuckets(q))).toEqual(comparable(await primary.queryBuckets(q)));
    expect(await none.services(ALL)).toEqual(await primary.services(ALL));
    expect(presence.scopes).toEqual([]);
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

describe('batchesInStore', () => {
  const rows = [1, 1, 1, 2, 2, 3, 4].map((batchId) => ({ batchId }));
  const tokens = new Map([
    [1, 't1'],
    [2, 't2'],
    [3, 't3'],
  ]);

  it('takes a batch as held when the store has at least as many of its rows in the scope', () => {
    const stored = new Map([
      ['t1', 3],
      ['t2', 5],
      ['t3', 0],
    ]);
    expect(batchesInStore(rows, tokens, stored)).toEqual(new Set([1, 2]));
  });

  it('never takes a batch stored in part, one it was not asked about, or one without a token', () => {
    const stored = new Map([
      ['t1', 2],
      ['t4', 9],
    ]);
    expect(batchesInStore(rows, tokens, stored)).toEqual(new Set());
  });
});
