import type { MetricType } from './sample.js';

/** What a query can ask of each step of a series. */
export const AGGREGATIONS = [
  'avg',
  'sum',
  'min',
  'max',
  'count',
  'last',
  'rate',
  'p50',
  'p90',
  'p95',
  'p99',
] as const;
export type Aggregation = (typeof AGGREGATIONS)[number];

export function isAggregation(text: string): text is Aggregation {
  return (AGGREGATIONS as readonly string[]).includes(text);
}

const QUANTILES: Partial<Record<Aggregation, number>> = { p50: 0.5, p90: 0.9, p95: 0.95, p99: 0.99 };

export function quantileOf(agg: Aggregation): number | undefined {
  return QUANTILES[agg];
}

/**
 * What a percentile needs of a quantile sketch (QuantileSketch meets it). Structural, so that this
 * module needs nothing of Node and the dashboard computes step values with it too.
 */
export interface QuantileSource {
  readonly count: number;
  quantile(q: number): number;
}

/** What a step's value is computed from (StepStats, in step-stats.ts, is one). */
export interface StepValueInput {
  readonly count: number;
  readonly sum: number;
  readonly min: number;
  readonly max: number;
  readonly last: number | undefined;
  readonly sketch: QuantileSource | undefined;
}

/**
 * The value of one step. `rate` is per second over the step: for a counter the sum of its deltas,
 * for a gauge the number of samples (a latency sent once per request gives requests per second).
 * Percentiles come from the merged sketch, clamped into [min, max]; a counter has none (undefined).
 */
export function stepValue(
  agg: Aggregation,
  stats: StepValueInput,
  type: MetricType,
  stepMs: number,
): number | undefined {
  switch (agg) {
    case 'avg':
      return stats.count > 0 ? stats.sum / stats.count : undefined;
    case 'sum':
      return stats.sum;
    case 'min':
      return stats.min;
    case 'max':
      return stats.max;
    case 'count':
      return stats.count;
    case 'last':
      return stats.last;
    case 'rate':
      return (type === 'counter' ? stats.sum : stats.count) / (stepMs / 1000);
    default: {
      const q = quantileOf(agg);
      return q === undefined ? undefined : clampedQuantile(stats.sketch, q, stats.min, stats.max);
    }
  }
}

/**
 * A percentile of merged rows: the sketch's quantile clamped into [min, max] of the same rows (a
 * bucket's representative value may lie just outside what was measured). Undefined without samples
 * in the sketch (a counter has none). Every store answers percentiles through this one function.
 */
export function clampedQuantile(
  sketch: QuantileSource | undefined,
  q: number,
  min: number,
  max: number,
): number | undefined {
  if (sketch === undefined || sketch.count === 0) return undefined;
  return Math.min(max, Math.max(min, sketch.quantile(q)));
}
