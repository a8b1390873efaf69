import { describe, expect, it } from 'vitest';
import { alignSeries, summarize } from './series';

describe('alignSeries', () => {
  it('puts series on one sorted time axis with gaps as null', () => {
    const aligned = alignSeries([
      {
        label: 'a',
        points: [
          [3, 30],
          [1, 10],
        ],
      },
      {
        label: 'b',
        points: [
          [2, 200],
          [3, 300],
        ],
      },
    ]);
    expect(aligned).toEqual([
      [1, 2, 3],
      [10, null, 30],
      [null, 200, 300],
    ]);
  });

  it('sorts a single series and keeps its values', () => {
    expect(
      alignSeries([
        {
          label: 'a',
          points: [
            [2, 5],
            [1, 4],
          ],
        },
      ]),
    ).toEqual([
      [1, 2],
      [4, 5],
    ]);
  });
});

describe('summarize', () => {
  it('gives each series its count, first and last points, min and max', () => {
    expect(
      summarize([
        {
          label: 'x',
          points: [
            [2, 7],
            [1, 9],
            [3, -1],
          ],
        },
        { label: 'empty', points: [] },
      ]),
    ).toEqual([
      { label: 'x', points: 3, first: [1, 9], last: [3, -1], min: -1, max: 9 },
      { label: 'empty', points: 0, first: null, last: null, min: null, max: null },
    ]);
  });
});
