import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import {
  DAY_MS,
  HOUR_MS,
  MINUTE_MS,
  addSample,
  canonicalTags,
  floorTo,
  newAggregate,
} from '../core/index.js';
import type { Aggregate, TierRetention } from '../core/index.js';
import { SqliteStore } from '../storage/index.js';
import type { RetentionReport } from '../storage/index.js';
import { RetentionJob } from './retention-job.js';
import { createRetentionMetrics } from './retention-metrics.js';

const NOW = Date.now();
const RETENTION: TierRetention = { '1m': DAY_MS, '5m': 2 * DAY_MS, '1h': 10 * DAY_MS, '1d': 100 * DAY_MS };
const quiet = pino({ level: 'silent' });

let dir: string;
const stores: SqliteStore[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vantage-retention-'));
});

afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  rmSync(dir, { recursive: true, force: true });
});

function agg(service: string, at: number): Aggregate {
  const a = newAggregate(service, 'latency_ms', 'gauge', canonicalTags({}), floorTo(at, MINUTE_MS));
  addSample(a, 1, at);
  return a;
}

/** Each series' value of a metric in the registry, keyed by its labels as JSON. */
async function values(registry: Registry, name: string): Promise<Map<string, number>> {
  const metric = registry.getSingleMetric(name);
  if (metric === undefined) throw new Error(`${name} is not registered`);
  const { values: series } = await metric.get();
  return new Map(series.map((v) => [JSON.stringify(v.labels), v.value]));
}

class FailingRetentionStore extends SqliteStore {
  override applyRetention(): Promise<RetentionReport> {
    return Promise.reject(new Error('disk I/O error'));
  }
}

describe('RetentionJob', () => {
  it('counts the rows retention removes per tier and measures every table after it', async () => {
    const store = new SqliteStore({ path: join(dir, 'vantage.db'), retention: RETENTION });
    stores.push(store);
    const ages = [12 * HOUR_MS, 36 * HOUR_MS, 5 * DAY_MS, 50 * DAY_MS, 150 * DAY_MS];
    await store.write(
      ages.map((age, i) => agg(`svc-${i}`, NOW - age)),
      [],
    );
    const registry = new Registry();
    const job = new RetentionJob(store, 60_000, quiet, createRetentionMetrics(registry, store.kind));
    await job.runOnce();

    const deleted = await values(registry, 'vantage_worker_retention_rows_deleted_total');
    expect(Object.fromEntries([...deleted].map(([k, v]) => [JSON.parse(k).tier, v]))).toEqual({
      '1m': 4,
      '5m': 3,
      '1h': 2,
      '1d': 1,
    });
    expect((await values(registry, 'vantage_worker_retention_runs_total')).get('{"outcome":"ok"}')).toBe(1);

    const rows = await values(registry, 'vantage_storage_table_rows');
    expect(rows.get(JSON.stringify({ store: 'sqlite', table: 'agg_1m', tier: '1m' }))).toBe(1);
    expect(rows.get(JSON.stringify({ store: 'sqlite', table: 'agg_1d', tier: '1d' }))).toBe(4);
    expect(rows.get(JSON.stringify({ store: 'sqlite', table: 'series', tier: 'none' }))).toBe(4);
    // The 150-day-old series outlived the longest retention (100 days).
    expect((await values(registry, 'vantage_worker_retention_series_deleted_total')).get('{}')).toBe(1);
    const bytes = await values(registry, 'vantage_storage_table_bytes');
    expect(bytes.get(JSON.stringify({ store: 'sqlite', table: 'agg_1m', tier: '1m' }))).toBeGreaterThan(0);
    expect(new Set(bytes.keys())).toEqual(new Set(rows.keys()));
    const disk = await values(registry, 'vantage_storage_disk_bytes');
    expect(disk.get('{"store":"sqlite"}')).toBe((await store.stats()).bytesOnDisk);

    // A second run at the same time removes nothing more and adds to the same counters.
    await job.runOnce();
    expect((await values(registry, 'vantage_worker_retention_rows_deleted_total')).get('{"tier":"1m"}')).toBe(
      4,
    );
    expect((await values(registry, 'vantage_worker_retention_runs_total')).get('{"outcome":"ok"}')).toBe(2);
  });

  it('counts a failed run and still measures the store', async () => {
    const store = new FailingRetentionStore({ path: join(dir, 'vantage.db'), retention: RETENTION });
    stores.push(store);
    await store.write([agg('svc', NOW - MINUTE_MS)], []);
    const registry = new Registry();
    await new RetentionJob(store, 60_000, quiet, createRetentionMetrics(registry, store.kind)).runOnce();
    const runs = await values(registry, 'vantage_worker_retention_runs_total');
    expect(runs.get('{"outcome":"failed"}')).toBe(1);
    expect(runs.has('{"outcome":"ok"}')).toBe(false);
    const rows = await values(registry, 'vantage_storage_table_rows');
    expect(rows.get(JSON.stringify({ store: 'sqlite', table: 'agg_5m', tier: '5m' }))).toBe(1);
  });

  it('drops the sizes of a table that is gone at the next measurement', async () => {
    const registry = new Registry();
    const metrics = createRetentionMetrics(registry, 'sqlite');
    metrics.recordSizes(10, [
      { table: 'a', rows: 1, bytes: 4096 },
      { table: 'b', tier: '1h', rows: 2, bytes: 8192 },
    ]);
    metrics.recordSizes(20, [{ table: 'b', tier: '1h', rows: 3, bytes: 8192 }]);
    expect([...(await values(registry, 'vantage_storage_table_rows'))]).toEqual([
      [JSON.stringify({ store: 'sqlite', table: 'b', tier: '1h' }), 3],
    ]);
    expect((await values(registry, 'vantage_storage_disk_bytes')).get('{"store":"sqlite"}')).toBe(20);
  });
});
