import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { DAY_MS, MINUTE_MS, TIERS, addSample, canonicalTags, newAggregate } from '../../core/index.js';
import type { Aggregate, MetricType, TierRetention } from '../../core/index.js';
import { bucketQuery, seededRandom, tier } from '../../../test/support/fixtures.js';
import { rollupTable, tierTable } from './schema.js';
import { asSchema5 } from '../../../test/support/sqlite-schema.js';
import { SqliteStore } from './sqlite-store.js';

const T0 = Date.UTC(2024, 0, 1, 23, 0); // an hour before a day boundary
const FOREVER: TierRetention = { '1m': 1e13, '5m': 1e13, '1h': 1e13, '1d': 1e13 };

let dir: string;
const stores: SqliteStore[] = [];
const path = (): string => join(dir, 'vantage.db');

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vantage-rollup-'));
});

afterEach(async () => {
  for (const s of stores.splice(0)) await s.close().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

function openStore(retention: TierRetention = FOREVER): SqliteStore {
  const store = new SqliteStore({ path: path(), retention });
  stores.push(store);
  return store;
}

/** Two metrics, five series each (counters and gauges), 3 hours across midnight, in batches. */
function batches(): Aggregate[][] {
  const random = seededRandom(7);
  const out: Aggregate[][] = [];
  for (let m = 0; m < 180; m += 20) {
    const batch: Aggregate[] = [];
    for (let minute = m; minute < m + 20; minute++) {
      for (const name of ['latency_ms', 'queue_depth']) {
        for (let s = 0; s < 5; s++) {
          const type: MetricType = s === 4 ? 'counter' : 'gauge';
          const start = T0 + minute * MINUTE_MS;
          const a = newAggregate(
            'checkout',
            name,
            type,
            canonicalTags({ host: `h${s}`, env: 'prod' }),
            start,
          );
          for (let k = 0; k < 1 + (s % 3); k++)
            addSample(a, Math.round(random() * 1000) / 10, start + k * 1000);
          batch.push(a);
        }
      }
    }
    out.push(batch);
  }
  return out;
}

/** Each rollup row next to the merge of its tier's rows, per tier, from the file itself. */
function rollupAgainstTiers(): { rollup: unknown[]; merged: unknown[] }[] {
  const db = new Database(path(), { readonly: true });
  try {
    return TIERS.map((t) => ({
      rollup: db
        .prepare(
          `SELECT metric_id, start, count, sum, min, max, last, last_ts, length(sketch) AS n
           FROM ${rollupTable(t.name)} ORDER BY metric_id, start`,
        )
        .all(),
      merged: db
        .prepare(
          `SELECT metric_id, start, sum(count) AS count, sum(sum) AS sum, min(min) AS min, max(max) AS max,
             max(last_ts) AS last_ts, count(*) AS rows
           FROM ${tierTable(t.name)} GROUP BY metric_id, start ORDER BY metric_id, start`,
        )
        .all(),
    }));
  } finally {
    db.close();
  }
}

describe('metric rollups (SQLite)', () => {
  it('hold, per tier bucket, every series of a metric merged, as the tier rows say', async () => {
    const store = openStore();
    for (const batch of batches()) await store.write(batch, []);
    for (const { rollup, merged } of rollupAgainstTiers()) {
      expect(rollup.length).toBe(merged.length);
      rollup.forEach((r, i) => {
        const row = r as Record<string, number>;
        const m = merged[i] as Record<string, number>;
        expect([row.metric_id, row.start, row.count, row.min, row.max, row.last_ts]).toEqual([
          m.metric_id,
          m.start,
          m.count,
          m.min,
          m.max,
          m.last_ts,
        ]);
        expect(row.sum).toBeCloseTo(m.sum as number, 6);
        expect(row.n).toBeGreaterThan(0);
      });
    }
  });

  it('answer a query over all series as the series rows do', async () => {
    const store = openStore();
    for (const batch of batches()) await store.write(batch, []);
    for (const name of ['1m', '5m', '1h', '1d'] as const) {
      const q = bucketQuery(T0 - DAY_MS, { tier: tier(name), stepMs: tier(name).resolutionMs });
      // The filter matches every series, but only the unfiltered query reads the rollup.
      const all = await store.queryBuckets(q);
      const filtered = await store.queryBuckets({ ...q, tagFilters: [['env', 'prod']] });
      expect(all.length).toBe(1);
      expect(all[0]?.buckets.length).toBe(filtered[0]?.buckets.length);
      all[0]?.buckets.forEach((b, i) => {
        const f = filtered[0]?.buckets[i];
        expect({ ...b, sum: 0, sketch: b.sketch?.quantile(0.99) }).toEqual({
          ...f,
          sum: 0,
          sketch: f?.sketch?.quantile(0.99),
        });
        expect(b.sum).toBeCloseTo(f?.sum as number, 6);
        expect(b.sketch?.count).toBe(f?.sketch?.count);
      });
    }
  });

  it('are trimmed by retention with their tier', async () => {
    const store = openStore({ '1m': 90 * MINUTE_MS, '5m': 90 * MINUTE_MS, '1h': 1e13, '1d': 1e13 });
    for (const batch of batches()) await store.write(batch, []);
    await store.applyRetention(T0 + 180 * MINUTE_MS);
    const tiers = rollupAgainstTiers();
    for (const { rollup, merged } of tiers) expect(rollup.length).toBe(merged.length);
    // 90 of the 180 minutes are left in the minute tiers, of both metrics.
    expect(tiers[0]?.rollup.length).toBe(2 * 90);
  });

  it('are filled from the tier rows when a store of schema 4 is opened', async () => {
    const first = openStore();
    for (const batch of batches()) await first.write(batch, []);
    await first.close();
    stores.splice(0);
    const before = rollupAgainstTiers();
    // The file as schema 4 left it: no rollup tables (of schema 5 or 6).
    const db = new Database(path());
    asSchema5(db);
    for (const t of TIERS) db.exec(`DROP TABLE ${rollupTable(t.name)}`);
    db.pragma('user_version = 4');
    db.close();
    openStore();
    const after = rollupAgainstTiers();
    expect(after.map((t) => t.rollup.length)).toEqual(before.map((t) => t.rollup.length));
    after.forEach((t, i) => {
      t.rollup.forEach((row, j) => {
        const { sum, ...rest } = row as Record<string, number>;
        const { sum: sumBefore, ...restBefore } = before[i]?.rollup[j] as Record<string, number>;
        expect(rest).toEqual(restBefore);
        expect(sum).toBeCloseTo(sumBefore as number, 6);
      });
    });
  });
});
