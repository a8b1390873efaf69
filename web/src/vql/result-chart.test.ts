import { describe, expect, it } from 'vitest';
import type { VqlResponse } from '../api/types';
import { resultSeries, timeColumn } from './result-chart';

const T = Date.UTC(2026, 10, 27, 10, 0, 0);
const stats = (step: number | null): VqlResponse['stats'] => ({
  rows: 0,
  tier: '1m',
  from: 0,
  to: 0,
  step,
  elapsedMs: 1,
  notices: [],
});

describe('a VQL answer as chart lines', () => {
  it('draws one line per group and aggregate over the time bucket column', () => {
    const result: VqlResponse = {
      columns: ['minute', 'service_name', 'avg(value)', 'p99(value)'],
      rows: [
        [T, 'a', 1, 10],
        [T, 'b', 2, 20],
        [T + 60_000, 'a', 3, null],
      ],
      stats: stats(60_000),
    };
    expect(timeColumn(result)).toBe(0);
    expect(resultSeries(result)).toEqual([
      {
        label: 'a avg(value)',
        points: [
          [T, 1],
          [T + 60_000, 3],
        ],
      },
      { label: 'a p99(value)', points: [[T, 10]] },
      { label: 'b avg(value)', points: [[T, 2]] },
      { label: 'b p99(value)', points: [[T, 20]] },
    ]);
  });

  it('names a single aggregate line by its group alone', () => {
    const result: VqlResponse = {
      columns: ['t', 'tags.route', 'rate'],
      rows: [[T, '/a', 5]],
      stats: stats(60_000),
    };
    expect(resultSeries(result)).toEqual([{ label: '/a', points: [[T, 5]] }]);
  });

  it('has no chart without time buckets, even when a number looks like a time', () => {
    const result: VqlResponse = {
      columns: ['service_name', 'max(value)'],
      rows: [['a', T]],
      stats: stats(null),
    };
    expect(timeColumn(result)).toBe(-1);
    expect(resultSeries(result)).toBeUndefined();
  });
});
