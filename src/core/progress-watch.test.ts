import { describe, expect, it } from 'vitest';
import { ProgressWatch } from './progress-watch.js';
import type { PartitionPosition } from './progress-watch.js';

const T0 = 1_700_000_000_000;
const one = (committed: number, end: number): PartitionPosition[] => [{ partition: 0, committed, end }];

describe('ProgressWatch', () => {
  it('says stalled once data has waited stallAfterMs with the committed position still', () => {
    const watch = new ProgressWatch(60_000);
    watch.observe(one(100, 150), T0);
    expect(watch.state(T0)).toEqual({ stalled: false, waitingSince: T0, backlog: 50, stalledPartitions: [] });
    watch.observe(one(100, 400), T0 + 59_999);
    expect(watch.state(T0 + 59_999)).toMatchObject({ stalled: false, waitingSince: T0, backlog: 300 });
    expect(watch.state(T0 + 60_000)).toEqual({
      stalled: true,
      waitingSince: T0,
      backlog: 300,
      stalledPartitions: [0],
    });
  });

  it('clears as soon as the committed position moves, and counts the wait again from there', () => {
    const watch = new ProgressWatch(10_000);
    watch.observe(one(0, 10), T0);
    watch.observe(one(0, 20), T0 + 15_000);
    expect(watch.state(T0 + 15_000).stalled).toBe(true);
    watch.observe(one(1, 20), T0 + 16_000);
    expect(watch.state(T0 + 16_000)).toMatchObject({
      stalled: false,
      waitingSince: T0 + 16_000,
      backlog: 19,
    });
    expect(watch.state(T0 + 25_999).stalled).toBe(false);
    expect(watch.state(T0 + 26_000).stalled).toBe(true);
  });

  it('clears when nothing waits, even if the position did not move (an idle pipeline)', () => {
    const watch = new ProgressWatch(10_000);
    watch.observe(one(5, 9), T0);
    expect(watch.state(T0 + 20_000).stalled).toBe(true);
    watch.observe(one(5, 5), T0 + 20_000);
    expect(watch.state(T0 + 90_000)).toEqual({
      stalled: false,
      waitingSince: undefined,
      backlog: 0,
      stalledPartitions: [],
    });
    watch.observe(one(5, 5), T0 + 95_000);
    expect(watch.state(T0 + 200_000).stalled).toBe(false);
  });

  it('is not stalled by a steady backlog that keeps being worked off', () => {
    const watch = new ProgressWatch(10_000);
    let committed = 0;
    for (let t = 0; t <= 120_000; t += 5_000) {
      watch.observe(one(committed, committed + 1_000), T0 + t);
      expect(watch.state(T0 + t).stalled).toBe(false);
      committed += 10;
    }
  });

  it('finds one stuck partition while the others move (several workers, one stuck)', () => {
    const watch = new ProgressWatch(10_000);
    for (let t = 0; t <= 30_000; t += 5_000) {
      watch.observe(
        [
          { partition: 0, committed: 100 + t, end: 200 + t },
          { partition: 1, committed: 50, end: 60 + t },
          { partition: 2, committed: 7, end: 7 },
        ],
        T0 + t,
      );
    }
    expect(watch.state(T0 + 30_000)).toEqual({
      stalled: true,
      waitingSince: T0,
      backlog: 100 + 30_010,
      stalledPartitions: [1],
    });
  });

  it('forgets a partition no longer listed', () => {
    const watch = new ProgressWatch(10_000);
    watch.observe(
      [
        { partition: 0, committed: 0, end: 0 },
        { partition: 1, committed: 0, end: 5 },
      ],
      T0,
    );
    watch.observe(one(0, 0), T0 + 20_000);
    expect(watch.state(T0 + 20_000)).toMatchObject({ stalled: false, waitingSince: undefined, backlog: 0 });
  });

  it('counts a position that moved backwards (a consumer group reset) as a change', () => {
    const watch = new ProgressWatch(10_000);
    watch.observe(one(50, 60), T0);
    watch.observe(one(10, 60), T0 + 12_000);
    expect(watch.state(T0 + 12_000)).toMatchObject({
      stalled: false,
      waitingSince: T0 + 12_000,
      backlog: 50,
    });
  });

  it('knows nothing before the first observation', () => {
    expect(new ProgressWatch(1_000).state(T0)).toEqual({
      stalled: false,
      waitingSince: undefined,
      backlog: 0,
      stalledPartitions: [],
    });
  });

  it('never says stalled when turned off with 0, but still reports the wait', () => {
    const watch = new ProgressWatch(0);
    watch.observe(one(0, 10), T0);
    expect(watch.state(T0 + 86_400_000)).toMatchObject({ stalled: false, waitingSince: T0, backlog: 10 });
    expect(() => new ProgressWatch(-1)).toThrow(RangeError);
  });
});
