import { afterEach, beforeEach } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MINUTE_MS, addSample, canonicalTags, newAggregate } from '../../src/core/index.js';
import type { Aggregate, MetricType, TierRetention } from '../../src/core/index.js';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.js';

/** The tag rollup tests' data crosses an hour and a day boundary. */
export const T0 = Date.UTC(2024, 0, 1, 22, 30);
export const FOREVER: TierRetention = { '1m': 1e13, '5m': 1e13, '1h': 1e13, '1d': 1e13 };

/**
 * A minute aggregate of service `checkout` at `minute` after T0. Every series carries `all: '1'`,
 * so a condition on it selects every series: the tests ask a question again with it to have the
 * series rows, not a rollup, answer.
 */
export function rollupTestAggregate(
  tags: Record<string, string>,
  type: MetricType,
  minute: number,
  values: readonly number[],
  metric: string,
): Aggregate {
  const start = T0 + minute * MINUTE_MS;
  const a = newAggregate('checkout', metric, type, canonicalTags({ all: '1', ...tags }), start);
  values.forEach((v, k) => addSample(a, v, start + k * 1000));
  return a;
}

/** SQLite store files of a test file: a fresh folder each test, every store closed after it. */
export class TemporaryStores {
  private folder = '';
  private files = 0;
  private readonly open: SqliteStore[] = [];

  constructor(prefix: string) {
    beforeEach(() => {
      this.folder = mkdtempSync(join(tmpdir(), prefix));
    });
    afterEach(async () => {
      for (const s of this.open.splice(0)) await s.close().catch(() => undefined);
      rmSync(this.folder, { recursive: true, force: true });
    });
  }

  /** A path in this test's folder; without a name, the file of the store opened last. */
  path(name = `v${this.files - 1}.db`): string {
    return join(this.folder, name);
  }

  /** Opens a store, by default on a new file. */
  store(path = this.path(`v${this.files++}.db`), retention = FOREVER): SqliteStore {
    const store = new SqliteStore({ path, retention });
    this.open.push(store);
    return store;
  }

  /** Forgets the stores opened so far (closed by the test itself). */
  forget(): void {
    this.open.splice(0);
  }
}

/**
 * Random data for the rollup property tests: up to 8 series, some without `region` (then its
 * rollup cannot answer and the scan must), points over 150 minutes, written in 1 to 4 writes.
 * Integer samples make every sum exact whatever the order of merging.
 */
export const rollupDataArb = fc.record({
  series: fc.array(
    fc.record({
      tags: fc.record(
        { region: fc.constantFrom('eu', 'us', 'ap', ''), zone: fc.constantFrom('a', 'b') },
        { requiredKeys: ['zone'] },
      ),
      type: fc.constantFrom<MetricType>('gauge', 'counter'),
    }),
    { minLength: 1, maxLength: 8 },
  ),
  points: fc.array(
    fc.record({
      series: fc.nat(),
      minute: fc.integer({ min: 0, max: 150 }),
      values: fc.array(fc.integer({ min: -50, max: 1000 }), { minLength: 1, maxLength: 3 }),
    }),
    { minLength: 1, maxLength: 60 },
  ),
  batches: fc.integer({ min: 1, max: 4 }),
});

/** Writes random data (rollupDataArb) as metric `metric`, in its number of writes. */
export async function writeRollupData(
  store: SqliteStore,
  data: typeof rollupDataArb extends fc.Arbitrary<infer T> ? T : never,
  metric: string,
): Promise<void> {
  const aggs = data.points.map((p) => {
    const s = data.series[p.series % data.series.length] as (typeof data.series)[number];
    return rollupTestAggregate(s.tags, s.type, p.minute, p.values, metric);
  });
  const per = Math.ceil(aggs.length / data.batches);
  for (let i = 0; i < aggs.length; i += per) await store.write(aggs.slice(i, i + per), []);
}
