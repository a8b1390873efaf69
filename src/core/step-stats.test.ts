import { describe, expect, it } from 'vitest';
import { stepValue } from './step-value.js';
import { QuantileSketch } from './quantile-sketch.js';
import { mergeStepStats } from './step-stats.js';
import type { StepStats } from './step-stats.js';

function step(values: number[]): StepStats {
  const sketch = new QuantileSketch();
  for (const v of values) sketch.add(v);
  return {
    count: values.length,
    sum: values.reduce((a, b) => a + b, 0),
    min: Math.min(...values),
    max: Math.max(...values),
    last: values[values.length - 1],
    sketch,
  };
}

describe('mergeStepStats', () => {
  it('merges steps into the stats of all their values', () => {
    const merged = mergeStepStats([step([1, 5, 9]), step([2, 20]), step([7])]);
    const all = step([1, 5, 9, 2, 20, 7]);
    expect({ ...merged, sketch: undefined }).toEqual({ ...all, last: undefined, sketch: undefined });
    for (const q of ['p50', 'p95', 'p99'] as const)
      expect(stepValue(q, merged, 'gauge', 60_000)).toBe(stepValue(q, all, 'gauge', 60_000));
  });

  it('is empty, with no sketch, for no steps or steps without sketches', () => {
    const none = mergeStepStats([]);
    expect(none.count).toBe(0);
    expect(none.sketch).toBeUndefined();
    expect(stepValue('avg', none, 'gauge', 60_000)).toBeUndefined();
    const counter = mergeStepStats([{ count: 2, sum: 10, min: 4, max: 6, last: 6, sketch: undefined }]);
    expect(counter).toEqual({ count: 2, sum: 10, min: 4, max: 6, last: undefined, sketch: undefined });
  });
});
