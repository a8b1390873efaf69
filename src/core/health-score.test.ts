import { describe, expect, it } from 'vitest';
import { HEALTH_FORMULA_TEXT, scoreHealth, statusOf, worstFirst } from './health-score.js';
import type { HealthMeasurements } from './health-score.js';

type Partial3 = {
  errorRate?: [number | null, number | null];
  latency?: [number | null, number | null];
  throughput?: [number | null, number | null];
};

function measured({
  errorRate = [null, null],
  latency = [null, null],
  throughput = [null, null],
}: Partial3): HealthMeasurements {
  return {
    errorRate: { current: errorRate[0], baseline: errorRate[1] },
    latencyP99: { current: latency[0], baseline: latency[1] },
    throughput: { current: throughput[0], baseline: throughput[1] },
  };
}

describe('the health score formula', () => {
  // inputs -> score, status, penalties [errors, latency, throughput], reasons (in order)
  it.each<[string, Partial3, number | null, string, (number | null)[], string[]]>([
    [
      'all normal',
      { errorRate: [0, 0], latency: [200, 200], throughput: [10, 10] },
      100,
      'healthy',
      [0, 0, 0],
      [],
    ],
    [
      '0.5 % errors cost 5 points',
      { errorRate: [0.005, 0.004], latency: [210, 200], throughput: [10, 10] },
      95,
      'healthy',
      [5, 0, 0],
      ['error rate 0.5% of requests (24h baseline 0.4%)'],
    ],
    [
      'p99 at 2.3x its baseline',
      { errorRate: [0, 0], latency: [460, 200], throughput: [10, 10] },
      69,
      'degraded',
      [0, 31.5, 0],
      ['p99 latency 2.3x its 24h baseline (460 vs 200)'],
    ],
    [
      'p99 within the free ratio costs nothing',
      { errorRate: [0, 0], latency: [250, 200], throughput: [10, 10] },
      100,
      'healthy',
      [0, 0, 0],
      [],
    ],
    [
      'errors capped at 60 and latency capped at 60',
      { errorRate: [0.5, 0.01], latency: [5000, 100], throughput: [10, 10] },
      0,
      'critical',
      [60, 60, 0],
      ['error rate 50% of requests (24h baseline 1%)', 'p99 latency 50x its 24h baseline (5000 vs 100)'],
    ],
    [
      'a 75 % drop in throughput',
      { errorRate: [0, 0], latency: [200, 200], throughput: [2.5, 10] },
      90,
      'healthy',
      [0, 0, 10],
      ['throughput down 75% from its 24h baseline (2.5 vs 10 requests/s)'],
    ],
    [
      'a drop to zero costs the most throughput can',
      { errorRate: [null, 0], latency: [null, 200], throughput: [0, 10] },
      80,
      'healthy',
      [null, null, 20],
      ['throughput down 100% from its 24h baseline (0 vs 10 requests/s)'],
    ],
    [
      'a rise in throughput costs nothing',
      { errorRate: [0, 0], latency: [200, 200], throughput: [40, 10] },
      100,
      'healthy',
      [0, 0, 0],
      [],
    ],
    [
      'largest penalty first',
      { errorRate: [0.02, 0], latency: [600, 200], throughput: [1, 10] },
      12,
      'critical',
      [20, 52.5, 16],
      [
        'p99 latency 3x its 24h baseline (600 vs 200)',
        'error rate 2% of requests (24h baseline 0%)',
        'throughput down 90% from its 24h baseline (1 vs 10 requests/s)',
      ],
    ],
    [
      'a new service: no baseline, scored on errors alone',
      { errorRate: [0.03, null], latency: [300, null], throughput: [5, null] },
      70,
      'degraded',
      [30, null, null],
      ['error rate 3% of requests'],
    ],
    ['nothing measurable', {}, null, 'unknown', [null, null, null], []],
    [
      'a zero baseline is not divided by',
      { latency: [10, 0], throughput: [3, 0] },
      null,
      'unknown',
      [null, null, null],
      [],
    ],
  ])('%s', (_name, input, score, status, [errors, latency, throughput], reasons) => {
    const s = scoreHealth(measured(input), [], '24h');
    expect(s.score).toBe(score);
    expect(s.status).toBe(status);
    expect(s.penalties).toEqual({ errors, latency, throughput });
    expect(s.reasons).toEqual(reasons);
  });

  it('returns its inputs with the ratio and the change, and lets a person redo the sum', () => {
    const s = scoreHealth(
      measured({ errorRate: [0.011, 0.002], latency: [330, 150], throughput: [4, 10] }),
      [],
      '24h',
    );
    expect(s.inputs).toEqual({
      errorRate: { current: 0.011, baseline: 0.002 },
      latencyP99: { current: 330, baseline: 150, ratio: 2.2 },
      throughput: { current: 4, baseline: 10, change: -0.6 },
    });
    const { errors, latency, throughput } = s.penalties;
    expect(s.score).toBe(Math.round(100 - (errors ?? 0) - (latency ?? 0) - (throughput ?? 0)));
    expect([errors, latency, throughput]).toEqual([11, 28.5, 4]);
  });

  it("appends the gatherer's gaps after the costs", () => {
    const s = scoreHealth(
      measured({ errorRate: [0.01, null] }),
      ['no http_request_duration_ms: latency not scored'],
      '24h',
    );
    expect(s.reasons).toEqual([
      'error rate 1% of requests',
      'no http_request_duration_ms: latency not scored',
    ]);
    expect(s.score).toBe(90);
  });

  it('puts its constants into the formula text', () => {
    expect(HEALTH_FORMULA_TEXT).toContain('min(60, 10 x error rate in %)');
    expect(HEALTH_FORMULA_TEXT).toContain('min(60, 30 x (p99 / baseline p99 - 1.25))');
    expect(HEALTH_FORMULA_TEXT).toContain('min(20, 0.4 x (drop in % - 50))');
  });

  it('maps scores to statuses at 80 and 50', () => {
    expect([100, 80, 79, 50, 49, 0, null].map(statusOf)).toEqual([
      'healthy',
      'healthy',
      'degraded',
      'degraded',
      'critical',
      'critical',
      'unknown',
    ]);
  });

  it('orders worst first, unknown last, ties by name', () => {
    const list = [
      { service: 'b', score: 90 },
      { service: 'x', score: null },
      { service: 'c', score: 40 },
      { service: 'a', score: 90 },
      { service: 'd', score: 0 },
    ];
    expect(list.sort(worstFirst).map((s) => s.service)).toEqual(['d', 'c', 'a', 'b', 'x']);
  });
});
