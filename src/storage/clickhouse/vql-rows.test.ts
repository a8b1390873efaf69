import { describe, expect, test } from 'vitest';
import { QuantileSketch } from '../../core/index.js';
import { prepareVql } from '../../query/index.js';
import { compileClickHouse } from './clickhouse-compiler.js';
import { sketchToColumns } from './rows.js';
import { toVqlRow } from './vql-rows.js';

const NOW = Date.UTC(2026, 10, 27, 12, 0, 0);

describe('VQL on the ClickHouse schema', () => {
  test('turns a JSONEachRow row into plan ids, numbers and clamped percentiles', () => {
    const plan = prepareVql(
      'SELECT service_name, time_bucket(5m), count(*), p50(value), p99(value) FROM metrics GROUP BY service_name, time_bucket(5m)',
      { now: NOW },
    );
    const compiled = compileClickHouse(plan);
    const sketch = new QuantileSketch();
    for (const v of [-3, 0, 10, 1000, 1000]) sketch.add(v);
    const maps = sketchToColumns(sketch);
    // 1000 sits in a bucket whose value is 1002.4: the clamp brings p99 back to the maximum.
    const row = toVqlRow(
      {
        k0: 'checkout',
        k1: '1795773600000',
        v0: '7',
        qzero: maps.sketch_zero,
        qpos: maps.sketch_pos,
        qneg: maps.sketch_neg,
        qmin: -3,
        qmax: 1000,
      },
      compiled,
    );
    expect(row).toEqual({
      k0: 'checkout',
      k1: 1795773600000,
      v0: 7,
      v1: sketch.quantile(0.5),
      v2: 1000,
    });
    expect(sketch.quantile(0.99)).toBeGreaterThan(1000);
  });

  test('gives null percentiles for rows without sketch buckets (counters) and keeps nulls', () => {
    const plan = prepareVql('SELECT avg(value), p95(value) FROM metrics', { now: NOW });
    const compiled = compileClickHouse(plan);
    const row = toVqlRow({ v0: null, qzero: 0, qpos: {}, qneg: {}, qmin: null, qmax: null }, compiled);
    expect(row).toEqual({ v0: null, v1: null });
  });
});
