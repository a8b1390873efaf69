import type { StepValueInput } from './step-value.js';
import { QuantileSketch } from './quantile-sketch.js';

/** The merged statistics of one step, its sketch mergeable. */
export interface StepStats extends StepValueInput {
  readonly sketch: QuantileSketch | undefined;
}

/**
 * Several steps merged into one, as a store merges the rows of one step: counts and sums add,
 * min and max compare, sketches merge (exactly). `last` is left out: steps carry no timestamps to
 * order it by, and none of the callers asks for it.
 */
export function mergeStepStats(steps: readonly StepStats[]): StepStats {
  let count = 0;
  let sum = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let sketch: QuantileSketch | undefined;
  for (const s of steps) {
    count += s.count;
    sum += s.sum;
    if (s.min < min) min = s.min;
    if (s.max > max) max = s.max;
    if (s.sketch !== undefined) (sketch ??= new QuantileSketch()).merge(s.sketch);
  }
  return { count, sum, min, max, last: undefined, sketch };
}
