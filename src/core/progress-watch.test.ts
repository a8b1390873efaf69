import { describe, expect, it } from 'vitest';
import { ProgressWatch } from './progress-watch.js';

const T0 = 1_700_000_000_000;

describe('ProgressWatch', () => {
  it('says stalled once data has waited stallAfterMs with the committed position still', () => {
    const watch = new ProgressWatch(60_000);
    watch.observe({ committed: 100, end: 150 }, T0);
    expect(watch.state(T0)).toEqual({ stalled: false, waitingSince: T0, backlog: 50 });
    watch.observe({ committed: 100, end: 400 }, T0 + 59_999);
    expect(watch.state(T0 + 59_999)).toEqual({ stalled: false, waitingSince: T0, backlog: 300 });
    expect(watch.state(T0 + 60_000)).toEqual({ stalled: true, waitingSince: T0, backlog: 300 });
  });

  it('clears as soon as the committed position moves, and counts the wait again from there', () => {
    const watch = new ProgressWatch(10_000);
    watch.observe({ committed: 0, end: 10 }, T0);
    watch.observe({ committed: 0, end: 20 }, T0 + 15_000);
    expect(watch.state(T0 + 15_000).stalled).toBe(true);
    watch.observe({ committed: 1, end: 20 }, T0 + 16_000);
    expect(watch.state(T0 + 16_000)).toEqual({ stalled: false, waitingSince: T0 + 16_000, backlog: 19 });
    expect(watch.state(T0 + 25_999).stalled).toBe(false);
    expect(watch.state(T0 + 26_000).stalled).toBe(true);
  });

  it('clears when nothing waits, even if the position did not move (an idle pipeline)', () => {
    const watch = new ProgressWatch(10_000);
    watch.observe({ committed: 5, end: 9 }, T0);
    expect(watch.state(T0 + 20_000).stalled).toBe(true);
    // The end cannot go backwards on a live bus, but a log started again can look like this.
    watch.observe({ committed: 5, end: 5 }, T0 + 20_000);
    expect(watch.state(T0 + 90_000)).toEqual({ stalled: false, waitingSince: undefined, backlog: 0 });
    watch.observe({ committed: 5, end: 5 }, T0 + 95_000);
    expect(watch.state(T0 + 200_000).stalled).toBe(false);
  });

  it('is not stalled by a steady backlog that keeps being worked off', () => {
    const watch = new ProgressWatch(10_000);
    let committed = 0;
    for (let t = 0; t <= 120_000; t += 5_000) {
      watch.observe({ committed, end: committed + 1_000 }, T0 + t);
      expect(watch.state(T0 + t).stalled).toBe(false);
      committed += 10;
    }
  });

  it('counts a position that moved backwards (a consumer group reset) as a change', () => {
    const watch = new ProgressWatch(10_000);
    watch.observe({ committed: 50, end: 60 }, T0);
    watch.observe({ committed: 10, end: 60 }, T0 + 12_000);
    expect(watch.state(T0 + 12_000)).toEqual({ stalled: false, waitingSince: T0 + 12_000, backlog: 50 });
  });

  it('knows nothing before the first observation', () => {
    expect(new ProgressWatch(1_000).state(T0)).toEqual({
      stalled: false,
      waitingSince: undefined,
      backlog: 0,
    });
  });

  it('never says stalled when turned off with 0, but still reports the wait', () => {
    const watch = new ProgressWatch(0);
    watch.observe({ committed: 0, end: 10 }, T0);
    expect(watch.state(T0 + 86_400_000)).toEqual({ stalled: false, waitingSince: T0, backlog: 10 });
    expect(() => new ProgressWatch(-1)).toThrow(RangeError);
  });
});
