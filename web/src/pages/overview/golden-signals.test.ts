import { describe, expect, it } from 'vitest';
import type { VqlResponse } from '../../api/types';
import { SIGNAL_METRICS, latest, shapeSignals } from './golden-signals';

const M = 60_000;
/** The answers' end: now (100 min 15 s), widened by the planner to the next whole minute. */
const END = 101 * M;
const answer = (rows: VqlResponse['rows']): VqlResponse => ({
  columns: [],
  rows,
  stats: { rows: rows.length, tier: '1m', from: END - 61 * M, to: END, step: M, elapsedMs: 0, notices: [] },
});

describe('overview signals', () => {
  it('derives error rate from errors and requests per minute and leaves out the minute in progress', () => {
    const rates = answer([
      ['shop', SIGNAL_METRICS.requests, 98 * M, 2],
      ['shop', SIGNAL_METRICS.errors, 98 * M, 0.5],
      ['shop', SIGNAL_METRICS.requests, 99 * M, 4],
      ['shop', SIGNAL_METRICS.requests, 100 * M, 0.1], // in progress
      ['idle', SIGNAL_METRICS.requests, 99 * M, 0],
    ]);
    const latency = answer([
      ['shop', 99 * M, 250],
      ['shop', 98 * M, 120],
      ['shop', 100 * M, 90], // in progress
    ]);
    const signals = shapeSignals(rates, latency);
    expect(signals.get('shop')).toEqual({
      throughput: [
        [98 * M, 2],
        [99 * M, 4],
      ],
      errorRate: [
        [98 * M, 0.25],
        [99 * M, 0],
      ],
      latencyP99: [
        [98 * M, 120],
        [99 * M, 250],
      ],
    });
    // No requests: no error rate to speak of.
    expect(signals.get('idle')?.errorRate).toEqual([]);
    expect(latest(signals.get('shop')?.throughput ?? [])).toBe(4);
    expect(latest([])).toBeNull();
  });
});
