import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS, HEALTH_FORMULA_TEXT, addSample, canonicalTags, newAggregate } from '../core/index.js';
import type { Aggregate, HealthScoresResponse, MetricType } from '../core/index.js';
import { SqliteStore } from '../storage/index.js';
import { FOREVER, testApiServer } from '../../test/support/test-api-server.js';

/**
 * Health scores through the real HTTP server over a real SQLite store, with a fixed clock: a
 * table of services, each with one thing wrong, and the score, status and reasons each must get.
 */
const MINUTE = 60_000;
const NOW = Date.UTC(2026, 0, 5, 12, 7, 30);
const WINDOW_TO = Date.UTC(2026, 0, 5, 12, 7);
const WINDOW_FROM = WINDOW_TO - 15 * MINUTE;

let dir: string;
let store: SqliteStore;
let app: FastifyInstance;

function agg(service: string, name: string, type: MetricType, start: number, values: number[]): Aggregate {
  const a = newAggregate(service, name, type, '{}', start);
  values.forEach((v, i) => addSample(a, v, start + i));
  return a;
}

interface Traffic {
  requests?: number;
  errors?: number;
  latency?: number;
}

/** One service's minutes from `from` to `to`: request and error counts, latencies all `latency`. */
function traffic(service: string, from: number, to: number, t: Traffic): Aggregate[] {
  const out: Aggregate[] = [];
  for (let start = from; start < to; start += MINUTE) {
    if (t.requests !== undefined)
      out.push(agg(service, 'http_requests_total', 'counter', start, [t.requests]));
    if (t.errors !== undefined) out.push(agg(service, 'http_errors_total', 'counter', start, [t.errors]));
    if (t.latency !== undefined)
      out.push(agg(service, 'http_request_duration_ms', 'gauge', start, Array(5).fill(t.latency)));
  }
  return out;
}

const NORMAL: Traffic = { requests: 200, errors: 1, latency: 100 };
const BASELINE_FROM = WINDOW_FROM - 3 * 60 * MINUTE; // three hours of history, not 24

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vantage-health-'));
  store = new SqliteStore({ path: join(dir, 'v.db'), retention: FOREVER });
  const past = (s: string, t: Traffic = NORMAL) => traffic(s, BASELINE_FROM, WINDOW_FROM, t);
  const now = (s: string, t: Traffic) => traffic(s, WINDOW_FROM, WINDOW_TO, t);
  await store.write(
    [
      ...past('steady'),
      ...now('steady', NORMAL),
      ...past('slow'),
      ...now('slow', { ...NORMAL, latency: 300 }),
      ...past('failing'),
      ...now('failing', { ...NORMAL, errors: 20 }),
      ...past('quiet', { ...NORMAL, errors: 0 }),
      ...now('quiet', { requests: 40, errors: 0, latency: 100 }),
      ...now('new', { requests: 100, errors: 3, latency: 50 }),
      ...past('silent'),
      ...traffic('ancient', BASELINE_FROM - 2 * DAY_MS, BASELINE_FROM - DAY_MS, NORMAL),
      agg('host:abc', 'cpu_percent', 'gauge', WINDOW_FROM, [40]),
      // Requests sent as a gauge (a running total, say) cannot be read as a count of requests.
      ...now('gauged', { latency: 100 }),
      ...past('gauged', { latency: 100 }),
      agg('gauged', 'http_requests_total', 'gauge', WINDOW_FROM, [123_456]),
      // The minute in progress is not scored: this would make steady fail if it were.
      agg('steady', 'http_errors_total', 'counter', WINDOW_TO, [10_000]),
    ],
    [],
  );
  app = await testApiServer({ store, clock: () => NOW });
});

afterAll(async () => {
  await app.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function get(
  url: string,
): Promise<{ status: number; body: HealthScoresResponse & { error?: object } }> {
  const res = await app.inject({ method: 'GET', url });
  return { status: res.statusCode, body: res.json() };
}

describe('GET /v1/health-scores', () => {
  it('scores every service seen in the last day, worst first, with its reasons', async () => {
    const { status, body } = await get('/v1/health-scores');
    expect(status).toBe(200);
    expect(body).toMatchObject({
      window: '15m',
      baseline: '24h',
      from: WINDOW_FROM,
      to: WINDOW_TO,
      baselineFrom: WINDOW_FROM - DAY_MS,
      baselineTo: WINDOW_FROM,
      formula: HEALTH_FORMULA_TEXT,
    });
    const summary = body.services.map((s) => [s.service, s.score, s.status, s.reasons]);
    expect(summary).toEqual([
      ['failing', 40, 'critical', ['error rate 10% of requests (24h baseline 0.5%)']],
      [
        'slow',
        43,
        'critical',
        ['p99 latency 3x its 24h baseline (300 vs 100)', 'error rate 0.5% of requests (24h baseline 0.5%)'],
      ],
      [
        'new',
        70,
        'degraded',
        [
          'error rate 3% of requests',
          'no http_requests_total in the 24h before the window: throughput not scored',
          'no http_request_duration_ms in the 24h before the window: latency not scored',
        ],
      ],
      ['quiet', 88, 'healthy', ['throughput down 80% from its 24h baseline (0.667 vs 3.33 requests/s)']],
      ['steady', 95, 'healthy', ['error rate 0.5% of requests (24h baseline 0.5%)']],
      [
        'gauged',
        100,
        'healthy',
        ['http_requests_total is sent as gauge, not as a counter: error rate and throughput not scored'],
      ],
      [
        'host:abc',
        null,
        'unknown',
        ['sends none of http_requests_total, http_errors_total, http_request_duration_ms'],
      ],
      ['silent', null, 'unknown', ['no data in the last 15m']],
    ]);
  });

  it('returns the inputs and penalties behind a score', async () => {
    const { body } = await get('/v1/health-scores');
    const quiet = body.services.find((s) => s.service === 'quiet');
    // The baseline rate is over the three hours the service existed, not over a whole day.
    expect(quiet?.inputs).toEqual({
      errorRate: { current: 0, baseline: 0 },
      latencyP99: { current: 100, baseline: 100, ratio: 1 },
      throughput: { current: 40 / 60, baseline: 200 / 60, change: expect.closeTo(-0.8, 12) },
    });
    expect(quiet?.penalties).toEqual({ errors: 0, latency: 0, throughput: 12 });
    const slow = body.services.find((s) => s.service === 'slow');
    expect(slow?.penalties).toEqual({ errors: 5, latency: 52.5, throughput: 0 });
    const silent = body.services.find((s) => s.service === 'silent');
    expect(silent?.penalties).toEqual({ errors: null, latency: null, throughput: null });
  });

  it('scores one service at /v1/health-scores/:service, the same as in the list', async () => {
    const all = await get('/v1/health-scores?window=15m');
    const one = await get('/v1/health-scores/slow');
    expect(one.status).toBe(200);
    expect(one.body.services).toEqual([all.body.services.find((s) => s.service === 'slow')]);
    const host = await get(`/v1/health-scores/${encodeURIComponent('host:abc')}`);
    expect(host.body.services[0]?.status).toBe('unknown');
  });

  it('takes another window', async () => {
    const { body } = await get('/v1/health-scores/steady?window=1h');
    expect(body).toMatchObject({ window: '1h', from: WINDOW_TO - 60 * MINUTE, to: WINDOW_TO });
    // 45 of its 60 minutes are the baseline's last ones: still a steady 200 requests a minute.
    expect(body.services[0]?.inputs.throughput.current).toBeCloseTo(200 / 60, 12);
  });

  it('answers 404 for an unknown service and 400 for a bad window, with code and field', async () => {
    const unknown = await get('/v1/health-scores/nobody');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatchObject({ code: 'VTG_QUERY_UNKNOWN_SERVICE', field: 'service' });
    for (const window of ['0m', '90s', '25h', 'soon']) {
      const bad = await get(`/v1/health-scores?window=${window}`);
      expect(bad.status, window).toBe(400);
      expect(bad.body.error).toMatchObject({ code: 'VTG_QUERY_INVALID_PARAMETER', field: 'window' });
    }
  });
});

describe('health scores of a service that only sends spans', () => {
  it('scores it from its server spans: span_calls_total and span_duration_ms', async () => {
    const tags = (kind: string, status: string): string =>
      canonicalTags({ operation: 'GET /cart', span_kind: kind, status_code: status });
    const minutes = (from: number, to: number, each: (start: number) => Aggregate[]): Aggregate[] => {
      const out: Aggregate[] = [];
      for (let start = from; start < to; start += MINUTE) out.push(...each(start));
      return out;
    };
    const spanAgg = (name: string, type: MetricType, t: string, start: number, values: number[]) => {
      const a = newAggregate('traced', name, type, t, start);
      values.forEach((v, i) => addSample(a, v, start + i));
      return a;
    };
    const minute = (latency: number, errors: number) => (start: number) => [
      spanAgg('span_calls_total', 'counter', tags('server', 'unset'), start, Array(100 - errors).fill(1)),
      spanAgg('span_duration_ms', 'gauge', tags('server', 'unset'), start, Array(5).fill(latency)),
      ...(errors > 0
        ? [
            spanAgg('span_calls_total', 'counter', tags('server', 'error'), start, Array(errors).fill(1)),
            spanAgg('span_duration_ms', 'gauge', tags('server', 'error'), start, Array(5).fill(latency)),
          ]
        : []),
      // Its calls out are not its requests: neither counted nor timed.
      spanAgg('span_calls_total', 'counter', tags('client', 'error'), start, Array(50).fill(1)),
      spanAgg('span_duration_ms', 'gauge', tags('client', 'error'), start, Array(5).fill(9_999)),
    ];
    await store.write(
      [
        ...minutes(BASELINE_FROM, WINDOW_FROM, minute(100, 0)),
        ...minutes(WINDOW_FROM, WINDOW_TO, minute(100, 10)),
      ],
      [],
    );
    const { status, body } = await get('/v1/health-scores/traced');
    expect(status).toBe(200);
    const [score] = body.services;
    expect(score?.inputs.errorRate).toEqual({ current: 0.1, baseline: 0 });
    expect(score?.inputs.throughput.current).toBeCloseTo(100 / 60, 12);
    expect(score?.inputs.latencyP99.ratio).toBeCloseTo(1, 2);
    expect(score?.reasons).toContain(
      'scored from span metrics: sends none of http_requests_total, http_errors_total, http_request_duration_ms',
    );
    // 10 % of requests failed: the error penalty's maximum, 60 points; latency and throughput as before.
    expect(score?.score).toBe(40);
  });
});
