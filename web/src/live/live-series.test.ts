import { describe, expect, it } from 'vitest';
import type { StreamPoint } from '../api/types';
import { LiveSeries, type Agg } from './live-series';

const MIN = 60_000;
const since = 10 * MIN + 20_000; // subscribed 20 s into minute 10: minute 11 is the first the stream owns

function lines(agg: Agg, groupBy: string[] = []): LiveSeries {
  return new LiveSeries({
    agg,
    stepMs: MIN,
    groupBy,
    since,
    label: (tags) => Object.values(tags).join(',') || 'all',
  });
}

function point(t: number, p: Partial<StreamPoint> & { tags?: Record<string, string> }): StreamPoint {
  const value = p.sum ?? 1;
  return {
    service: 's',
    metric: 'm',
    type: 'gauge',
    tags: {},
    t,
    count: 1,
    sum: value,
    min: value,
    max: value,
    last: value,
    ...p,
  };
}

describe('LiveSeries', () => {
  it('merges partials of one minute: counts and sums add, min and max widen, last is the latest', () => {
    const s = lines('avg');
    s.replaceStored([{ service: 's', metric: 'm', tags: {}, points: [[9 * MIN, 5]] }]);
    s.add([point(11 * MIN, { count: 2, sum: 10, min: 4, max: 6, last: 6 })]);
    s.add([point(11 * MIN, { count: 2, sum: 30, min: 1, max: 20, last: 20 })]);
    expect(s.series()).toEqual([
      {
        label: 'all',
        points: [
          [9 * MIN, 5],
          [11 * MIN, 10],
        ],
      },
    ]);

    const max = lines('max');
    max.add([point(11 * MIN, { max: 6 }), point(11 * MIN, { max: 20 })]);
    expect(max.series()[0]?.points).toEqual([[11 * MIN, 20]]);
    const last = lines('last');
    last.add([point(11 * MIN, { last: 6 }), point(11 * MIN, { last: 2 })]);
    expect(last.series()[0]?.points).toEqual([[11 * MIN, 2]]);
  });

  it('gives a counter its rate per second and a gauge its samples per second', () => {
    const s = lines('rate');
    s.add([point(11 * MIN, { type: 'counter', count: 3, sum: 120 })]);
    expect(s.series()[0]?.points).toEqual([[11 * MIN, 2]]);
    const g = lines('rate');
    g.add([point(11 * MIN, { count: 30, sum: 999 })]);
    expect(g.series()[0]?.points).toEqual([[11 * MIN, 0.5]]);
  });

  it('leaves the minute that was in progress at subscription to the store, and asks for it', () => {
    const s = lines('sum');
    s.replaceStored([{ service: 's', metric: 'm', tags: {}, points: [[10 * MIN, 100]] }]);
    const result = s.add([point(10 * MIN, { sum: 7 })]);
    expect(result).toEqual({ changed: false, needsStoreRefresh: true });
    expect(s.series()[0]?.points).toEqual([[10 * MIN, 100]]);
    s.replaceStored([{ service: 's', metric: 'm', tags: {}, points: [[10 * MIN, 107]] }]);
    expect(s.series()[0]?.points).toEqual([[10 * MIN, 107]]);
  });

  it('keeps the stream’s value for the steps it owns when the store answers again', () => {
    const s = lines('sum');
    s.replaceStored([
      {
        service: 's',
        metric: 'm',
        tags: {},
        points: [
          [9 * MIN, 1],
          [10 * MIN, 2],
        ],
      },
    ]);
    s.add([point(11 * MIN, { sum: 5 }), point(12 * MIN, { sum: 6 })]);
    // The store has caught up with part of minute 11 and knows minute 10 in full now.
    s.replaceStored([
      {
        service: 's',
        metric: 'm',
        tags: {},
        points: [
          [10 * MIN, 3],
          [11 * MIN, 4],
        ],
      },
    ]);
    expect(s.series()[0]?.points).toEqual([
      [9 * MIN, 1],
      [10 * MIN, 3],
      [11 * MIN, 5],
      [12 * MIN, 6],
    ]);
  });

  it('takes percentiles from the store only: a partial minute has no sketch', () => {
    const s = lines('p99');
    expect(s.add([point(12 * MIN, { sum: 5 })])).toEqual({ changed: false, needsStoreRefresh: true });
    expect(s.series()).toEqual([]);
  });

  it('splits lines by the grouped tag and starts a line for a new value', () => {
    const s = lines('avg', ['route']);
    s.replaceStored([{ service: 's', metric: 'm', tags: { route: '/a' }, points: [[9 * MIN, 1]] }]);
    s.add([
      point(11 * MIN, { tags: { route: '/a', host: 'h1' }, sum: 3 }),
      point(11 * MIN, { tags: { route: '/a', host: 'h2' }, sum: 5 }),
      point(11 * MIN, { tags: { route: '/b' }, sum: 9 }),
    ]);
    expect(s.series()).toEqual([
      {
        label: '/a',
        points: [
          [9 * MIN, 1],
          [11 * MIN, 4],
        ],
      },
      { label: '/b', points: [[11 * MIN, 9]] },
    ]);
  });

  it('returns the same array until something changes (charts skip redraws)', () => {
    const s = lines('avg');
    s.add([point(11 * MIN, {})]);
    const first = s.series();
    expect(s.series()).toBe(first);
    s.add([point(12 * MIN, {})]);
    expect(s.series()).not.toBe(first);
  });
});
