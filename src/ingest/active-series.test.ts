import { describe, expect, it } from 'vitest';
import { ActiveSeriesTracker } from './active-series.js';

const T0 = Date.UTC(2026, 10, 27, 12, 0, 0);

describe('ActiveSeriesTracker', () => {
  it('counts series exactly through its table growing, and refuses at the total limit', () => {
    const tracker = new ActiveSeriesTracker({
      perMetric: 1e9,
      perService: 1e9,
      total: 40_000,
      windowMs: 3_600_000,
    });
    let refused = 0;
    for (let i = 0; i < 50_000; i++) {
      const r = tracker.admit(`svc${i % 7}`, `m${i % 13}`, 'gauge', `{"id":"${i}"}`, T0);
      if (r !== undefined) {
        expect(r).toEqual({ scope: 'total', limit: 40_000 });
        refused += 1;
      }
    }
    expect(refused).toBe(10_000);
    expect(tracker.activeSeries).toBe(40_000);
    // Every admitted series is still known: seeing it again is not a new series.
    for (let i = 0; i < 40_000; i++)
      expect(tracker.admit(`svc${i % 7}`, `m${i % 13}`, 'gauge', `{"id":"${i}"}`, T0)).toBeUndefined();
    // Table bytes stay within 64 per series at the limit.
    expect(tracker.tableBytes / tracker.activeSeries).toBeLessThanOrEqual(64);
  });

  it('tells a gauge from a counter and tag sets apart', () => {
    const tracker = new ActiveSeriesTracker({ perMetric: 2, perService: 10, total: 10, windowMs: 60_000 });
    expect(tracker.admit('s', 'm', 'gauge', '{"a":"1"}', T0)).toBeUndefined();
    expect(tracker.admit('s', 'm', 'counter', '{"a":"1"}', T0)).toBeUndefined();
    expect(tracker.admit('s', 'm', 'gauge', '{"a":"2"}', T0)).toEqual({ scope: 'metric', limit: 2 });
    expect(tracker.activeSeries).toBe(2);
  });

  it('forgets silent series after the window and gives their room and memory back', () => {
    const tracker = new ActiveSeriesTracker({
      perMetric: 1e9,
      perService: 1e9,
      total: 1e9,
      windowMs: 600_000,
    });
    for (let i = 0; i < 20_000; i++) tracker.admit('s', 'm', 'gauge', `{"id":"${i}"}`, T0);
    const grown = tracker.tableBytes;
    tracker.admit('s', 'm', 'gauge', '{"id":"0"}', T0 + 9 * 60_000);
    expect(tracker.activeSeries).toBe(20_000);
    tracker.admit('s', 'm', 'gauge', '{"id":"0"}', T0 + 12 * 60_000);
    expect(tracker.activeSeries).toBe(1);
    expect(tracker.tableBytes).toBeLessThan(grown / 8);
  });
});
