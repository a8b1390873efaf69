import type { HistogramPoint } from './point-columns.js';
import { QuantileSketch } from './quantile-sketch.js';

/** A histogram's observations as Vantage keeps a gauge's: count, sum, extremes and a quantile sketch. */
export interface Distribution {
  readonly count: number;
  readonly sum: number;
  readonly min: number;
  readonly max: number;
  readonly sketch: QuantileSketch;
}

/**
 * Points a bucket's count is spread over. A histogram says only how many observations fell in each
 * bucket, not where; spreading them evenly over the bucket is what Prometheus' histogram_quantile
 * assumes (linear interpolation), so quantiles from the sketch agree with Prometheus' to within the
 * sketch's 1 %. The spread is the same for every count (weights count/SPREAD), so that the sketch
 * of a difference of two cumulative histograms is the difference of their sketches.
 */
const SPREAD = 4;

/**
 * A histogram point as a distribution. Explicit buckets: bucket (lo, hi] spreads its count over
 * SPREAD points inside it; the open first and last buckets sit at their one finite bound, or at the
 * observed min/max when `useExtremes` and the sender gave them (not for cumulative histograms:
 * their min and max cover all time, and the spread must not move between snapshots).
 * Exponential buckets (base^k, base^(k+1)] spread over SPREAD points evenly in log space; the zero
 * bucket sits at 0. A sum the sender left out is estimated from the buckets.
 */
export function histogramDistribution(h: HistogramPoint, useExtremes: boolean): Distribution {
  const sketch = new QuantileSketch();
  let estimatedSum = 0;
  let lowest = Number.POSITIVE_INFINITY;
  let highest = Number.NEGATIVE_INFINITY;
  const put = (value: number, weight: number): void => {
    sketch.add(value, weight);
    estimatedSum += value * weight;
    if (value < lowest) lowest = value;
    if (value > highest) highest = value;
  };
  if (h.layout === 'explicit') {
    const { bounds, counts } = h;
    for (let i = 0; i < counts.length; i++) {
      const n = counts[i] as number;
      if (!(n > 0)) continue;
      const lo = i > 0 ? (bounds[i - 1] as number) : undefined;
      const hi = i < bounds.length ? (bounds[i] as number) : undefined;
      if (lo === undefined || hi === undefined) {
        const extreme = lo === undefined ? h.min : h.max;
        const at = useExtremes && Number.isFinite(extreme) ? extreme : (lo ?? hi ?? 0);
        put(at, n);
        continue;
      }
      for (let j = 0; j < SPREAD; j++) put(lo + ((j + 0.5) / SPREAD) * (hi - lo), n / SPREAD);
    }
  } else {
    const step = 2 ** -h.scale;
    const spread = (offset: number, counts: readonly number[], sign: number): void => {
      for (let i = 0; i < counts.length; i++) {
        const n = counts[i] as number;
        if (!(n > 0)) continue;
        const k = offset + i;
        for (let j = 0; j < SPREAD; j++) put(sign * 2 ** ((k + (j + 0.5) / SPREAD) * step), n / SPREAD);
      }
    };
    if (h.zeroCount > 0) put(0, h.zeroCount);
    spread(h.positiveOffset, h.positive, 1);
    spread(h.negativeOffset, h.negative, -1);
  }
  const min = useExtremes && Number.isFinite(h.min) ? h.min : lowest;
  const max = useExtremes && Number.isFinite(h.max) ? h.max : highest;
  return {
    count: h.count,
    sum: Number.isFinite(h.sum) ? h.sum : estimatedSum,
    min: Number.isFinite(min) ? min : 0,
    max: Number.isFinite(max) ? max : 0,
    sketch,
  };
}
