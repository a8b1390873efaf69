import { describe, expect, it } from 'vitest';
import type { ExemplarsResponse } from '../api/types';
import { placeExemplars } from './exemplars';

const MIN = 60_000;
const T = 1_800_000_000_000 - (1_800_000_000_000 % MIN);

const exemplar = (
  time: number,
  value: number,
  traceId: string,
  route = '/a',
): ExemplarsResponse['exemplars'][number] => ({
  tags: { route },
  type: 'gauge',
  time,
  value,
  traceId,
  spanId: traceId ? '00f067aa0ba902b7' : '',
});

const series = [
  {
    label: 'route=/a',
    points: [
      [T, 5],
      [T + MIN, 7],
    ] as [number, number][],
  },
  { label: 'route=/b', points: [[T, 50]] as [number, number][] },
];
const byRoute = (tags: Record<string, string>): string => `route=${tags.route}`;

describe('placeExemplars', () => {
  it('puts an exemplar at its own value on a chart of values, and leaves out those with no trace', () => {
    const placed = placeExemplars([exemplar(T + 1500, 812, 'a'.repeat(32)), exemplar(T + 2000, 3, '')], {
      agg: 'p99',
      stepMs: MIN,
      series,
      lineOf: byRoute,
    });
    expect(placed).toEqual([
      {
        time: T + 1500,
        value: 812,
        traceId: 'a'.repeat(32),
        title: `812 (route=/a): open trace ${'a'.repeat(32)}`,
      },
    ]);
  });

  it('puts it on its series’ line at its step on a chart of rates, where its own value has no place', () => {
    const placed = placeExemplars(
      [
        exemplar(T + MIN + 59_999, 812, 'b'.repeat(32)),
        exemplar(T + 10, 1, 'c'.repeat(32), '/b'),
        exemplar(T + 5 * MIN, 1, 'd'.repeat(32)),
      ],
      { agg: 'rate', stepMs: MIN, series, lineOf: byRoute },
    );
    expect(placed.map((p) => [p.traceId[0], p.time, p.value])).toEqual([
      ['b', T + MIN + 59_999, 7],
      ['c', T + 10, 50],
    ]);
  });
});
