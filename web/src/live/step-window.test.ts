import { describe, expect, it } from 'vitest';
import { chartExtent, inProgressFrom, stepsOver } from './step-window';

const M = 60_000;

describe('step window', () => {
  it('finds the step in progress at the end of a range', () => {
    expect(inProgressFrom(100 * M + 15_000, M)).toBe(100 * M);
    expect(inProgressFrom(100 * M, M)).toBe(100 * M); // an end on a boundary: every step before is over
    expect(inProgressFrom(100 * M + 15_000, 5 * M)).toBe(100 * M);
    expect(inProgressFrom(103 * M, 5 * M)).toBe(100 * M);
  });

  it('leaves out the points of the step in progress, and says so', () => {
    const lines = [
      {
        label: 'route=/a',
        points: [
          [98 * M, 2],
          [99 * M, 2],
          [100 * M, 0.3],
        ] as [number, number][],
      },
      { label: 'route=/b', points: [[99 * M, 1]] as [number, number][] },
    ];
    const { series, leftOut } = stepsOver(lines, 100 * M);
    expect(leftOut).toBe(true);
    expect(series[0]?.points).toEqual([
      [98 * M, 2],
      [99 * M, 2],
    ]);
    expect(series[1]).toBe(lines[1]); // untouched lines are the same objects
    // Nothing in progress: the very same array, so a chart is not fed again.
    const untouched = stepsOver(lines, 101 * M);
    expect(untouched).toEqual({ series: lines, leftOut: false });
    expect(untouched.series).toBe(lines);
  });

  it('spans the range up to the last step over, or live up to the step in progress', () => {
    const query = { from: 40 * M, to: 100 * M + 15_000, step: M };
    expect(chartExtent(query, false)).toEqual([40 * M, 99 * M]);
    expect(chartExtent(query, true)).toEqual([40 * M, 100 * M]);
    // A range shorter than its step has no step over: the extent does not run backwards.
    expect(chartExtent({ from: 60 * M, to: 60 * M + 15_000, step: 60 * M }, false)).toEqual([60 * M, 60 * M]);
  });
});
