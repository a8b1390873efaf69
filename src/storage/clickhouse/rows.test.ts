import { describe, expect, it } from 'vitest';
import { QuantileSketch, addSample, newAggregate } from '../../core/index.js';
import {
  dateTime64Text,
  dedupToken,
  seriesId,
  seriesInfo,
  sketchFromColumns,
  sketchToColumns,
  toMetricRow,
} from './rows.js';

function sketchOf(values: number[]): QuantileSketch {
  const s = new QuantileSketch();
  for (const v of values) s.add(v);
  return s;
}

describe('sketch <-> ClickHouse maps', () => {
  it('round-trips positive, negative and zero buckets', () => {
    const s = sketchOf([1, 2, 2, 1000, -3, -3, -0.5, 0, 0, 1e-12, 7.25e9]);
    const cols = sketchToColumns(s);
    expect(cols.sketch_zero).toBe(3);
    expect(Object.values(cols.sketch_neg).reduce((a, b) => a + b, 0)).toBe(3);
    const back = sketchFromColumns(cols.sketch_zero, cols.sketch_pos, cols.sketch_neg);
    expect(back?.encode().equals(s.encode())).toBe(true);
  });

  it('adds as sketches merge: summing the maps of two sketches gives their merge', () => {
    const a = sketchOf([1, 5, 5, -2]);
    const b = sketchOf([5, 9, 0, -2, -40]);
    const ca = sketchToColumns(a);
    const cb = sketchToColumns(b);
    const add = (x: Record<string, number>, y: Record<string, number>): Record<string, number> => {
      const out = { ...x };
      for (const [k, v] of Object.entries(y)) out[k] = (out[k] ?? 0) + v;
      return out;
    };
    const merged = sketchFromColumns(
      ca.sketch_zero + cb.sketch_zero,
      add(ca.sketch_pos, cb.sketch_pos),
      add(ca.sketch_neg, cb.sketch_neg),
    );
    a.merge(b);
    expect(merged?.encode().equals(a.encode())).toBe(true);
  });

  it('gives no sketch for counters (no buckets) and empty columns for a null sketch', () => {
    expect(sketchToColumns(null)).toEqual({ sketch_zero: 0, sketch_pos: {}, sketch_neg: {} });
    expect(sketchFromColumns(0, {}, {})).toBeUndefined();
    // JSON map keys arrive as text, in any order.
    expect(sketchFromColumns(0, { '12': 1, '-3': 2 }, {})?.count).toBe(3);
  });
});

describe('rows', () => {
  it('converts an aggregate into a minute-table row', () => {
    const start = Date.UTC(2024, 0, 1, 10, 5);
    const a = newAggregate('checkout', 'latency_ms', 'gauge', '{"host":"a","region":"eu"}', start);
    addSample(a, 4, start + 1_500);
    addSample(a, -2, start + 59_999);
    const row = toMetricRow(a, seriesInfo(a));
    expect(row).toMatchObject({
      service_name: 'checkout',
      metric_name: 'latency_ms',
      type: 'gauge',
      timestamp: start / 1000,
      tags: { host: 'a', region: 'eu' },
      samples: 2,
      value_sum: 2,
      value_min: -2,
      value_max: 4,
      value_last: -2,
      last_ts: '2024-01-01 10:05:59.999',
      sketch_zero: 0,
    });
    expect(Object.keys(row.sketch_neg)).toHaveLength(1);
    expect(row.series_id).toMatch(/^\d+$/);
    // The batch token only where the store records it: otherwise the column keeps its default.
    expect(row).not.toHaveProperty('batch_token');
    expect(toMetricRow(a, seriesInfo(a), 'vantage-v1-ab').batch_token).toBe('vantage-v1-ab');
  });

  it('writes DateTime64 text in UTC with milliseconds', () => {
    expect(dateTime64Text(0)).toBe('1970-01-01 00:00:00.000');
    expect(dateTime64Text(Date.UTC(2024, 1, 29, 23, 59, 59, 7))).toBe('2024-02-29 23:59:59.007');
  });

  it('names a series by type and tags', () => {
    expect(seriesId('gauge', '{"a":"1"}')).toBe(seriesId('gauge', '{"a":"1"}'));
    expect(seriesId('gauge', '{"a":"1"}')).not.toBe(seriesId('counter', '{"a":"1"}'));
    expect(seriesId('gauge', '{"a":"1"}')).not.toBe(seriesId('gauge', '{"a":"2"}'));
    expect(BigInt(seriesId('gauge', '{}')) < 2n ** 64n).toBe(true);
  });
});

describe('dedupToken', () => {
  const cp = (source: string, partition: number, offset: number) => ({ source, partition, offset });

  it('is the same for the same positions, whatever their order', () => {
    const t = dedupToken([cp('kafka:m', 0, 10), cp('kafka:m', 1, 20)]);
    expect(t).toMatch(/^vantage-v1-[0-9a-f]{64}$/);
    expect(dedupToken([cp('kafka:m', 1, 20), cp('kafka:m', 0, 10)])).toBe(t);
  });

  it('differs when any position, partition or source differs', () => {
    const base = dedupToken([cp('kafka:m', 0, 10)]);
    expect(dedupToken([cp('kafka:m', 0, 11)])).not.toBe(base);
    expect(dedupToken([cp('kafka:m', 1, 10)])).not.toBe(base);
    expect(dedupToken([cp('kafka:n', 0, 10)])).not.toBe(base);
    // Separators cannot be forged by a source name.
    expect(dedupToken([cp('a:0', 1, 2)])).not.toBe(dedupToken([cp('a', 0, 1)]));
  });

  it('is absent without checkpoints', () => {
    expect(dedupToken([])).toBeUndefined();
  });
});
