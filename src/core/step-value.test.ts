import { describe, it, expect } from 'vitest';
import { AGGREGATIONS, isAggregation, quantileOf, stepValue } from './step-value.js';
import type { StepStats } from './step-stats.js';
import { QuantileSketch } from './quantile-sketch.js';

function sketchOf(values: readonly number[]): QuantileSketch {
  const s = new QuantileSketch();
  for (const v of values) s.add(v);
  return s;
}

function statsOf(values: readonly number[], withSketch = true): StepStats {
  return {
    count: values.length,
    sum: values.reduce((a, b) => a + b, 0),
    min: Math.min(...values),
    max: Math.max(...values),
    last: values[values.length - 1],
    sketch: withSketch ? sketchOf(values) : undefined,
  };
}

const MINUTE = 60_000;

describe('stepValue', () => {
  const stats = statsOf([10, 20, 30, 40]);

  it('gives avg, sum, min, max, count and last', () => {
    expect(stepValue('avg', stats, 'gauge', MINUTE)).toBe(25);
    expect(stepValue('sum', stats, 'gauge', MINUTE)).toBe(100);
    expect(stepValue('min', stats, 'gauge', MINUTE)).toBe(10);
    expect(stepValue('max', stats, 'gauge', MINUTE)).toBe(40);
    expect(stepValue('count', stats, 'gauge', MINUTE)).toBe(4);
    expect(stepValue('last', stats, 'gauge', MINUTE)).toBe(40);
  });

  it('has no avg for an empty step', () => {
    const empty: StepStats = { count: 0, sum: 0, min: 0, max: 0, last: undefined, sketch: undefined };
    expect(stepValue('avg', empty, 'gauge', MINUTE)).toBeUndefined();
    expect(stepValue('last', empty, 'gauge', MINUTE)).toBeUndefined();
  });

  it('gives a counter rate as the sum of its deltas per second of step', () => {
    const deltas = statsOf([50, 70], false);
    expect(stepValue('rate', deltas, 'counter', MINUTE)).toBe(2);
    expect(stepValue('rate', deltas, 'counter', 5 * MINUTE)).toBe(0.4);
  });

  it('gives a gauge rate as its samples per second of step', () => {
    const latencies = statsOf(Array.from({ length: 30 }, (_, i) => 100 + i));
    expect(stepValue('rate', latencies, 'gauge', MINUTE)).toBe(0.5);
    expect(stepValue('rate', latencies, 'gauge', 10_000)).toBe(3);
  });

  it('gives percentiles from the sketch within its accuracy', () => {
    const values = Array.from({ length: 1000 }, (_, i) => i + 1);
    const s = statsOf(values);
    for (const [agg, exact] of [
      ['p50', 500],
      ['p90', 900],
      ['p95', 950],
      ['p99', 990],
    ] as const) {
      const v = stepValue(agg, s, 'gauge', MINUTE);
      expect(v).toBeDefined();
      expect(Math.abs((v as number) - exact) / exact).toBeLessThanOrEqual(0.0100001);
    }
  });

  it('clamps percentiles into [min, max]', () => {
    const single = statsOf([100]);
    // The sketch alone answers the bucket's representative value, not 100.
    expect(single.sketch?.quantile(0.99)).not.toBe(100);
    for (const agg of ['p50', 'p90', 'p95', 'p99'] as const) {
      expect(stepValue(agg, single, 'gauge', MINUTE)).toBe(100);
    }
    const spread = statsOf([3, 1000]);
    expect(stepValue('p99', spread, 'gauge', MINUTE)).toBeLessThanOrEqual(1000);
    expect(stepValue('p50', spread, 'gauge', MINUTE)).toBeGreaterThanOrEqual(3);
  });

  it('has no percentiles without a sketch or with an empty one', () => {
    const counter = statsOf([1, 2, 3], false);
    expect(stepValue('p99', counter, 'counter', MINUTE)).toBeUndefined();
    const empty: StepStats = { ...counter, sketch: new QuantileSketch() };
    expect(stepValue('p50', empty, 'gauge', MINUTE)).toBeUndefined();
  });
});

describe('aggregation names', () => {
  it('recognises every aggregation and nothing else', () => {
    for (const a of AGGREGATIONS) expect(isAggregation(a)).toBe(true);
    for (const t of ['p999', 'AVG', 'median', '', 'rate ']) expect(isAggregation(t)).toBe(false);
  });

  it('maps percentiles to quantiles', () => {
    expect(quantileOf('p50')).toBe(0.5);
    expect(quantileOf('p90')).toBe(0.9);
    expect(quantileOf('p95')).toBe(0.95);
    expect(quantileOf('p99')).toBe(0.99);
    expect(quantileOf('avg')).toBeUndefined();
  });
});
