import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompareResponse, HealthScoresResponse } from '../src/core/index.js';
import { seededRandom } from './support/fixtures.js';
import { eventually, postMetrics } from './support/http.js';
import type { TestMetric } from './support/http.js';
import { startVantageProcess } from './support/vantage-process.js';
import type { VantageProcess } from './support/vantage-process.js';

/**
 * A/B comparison and health scores on `vantage start` as a user runs it: clients send per-request
 * latencies and request/error counters over HTTP, and /v1/compare and /v1/health-scores answer with
 * the numbers that were sent.
 */
const MINUTE = 60_000;
const LATENCY = 'http_request_duration_ms';
let dir: string;
let vantage: VantageProcess;

// Twenty whole minutes, well inside the accepted age window, ending long enough ago to be settled.
const from = Math.floor((Date.now() - 50 * MINUTE) / (10 * MINUTE)) * (10 * MINUTE);
const to = from + 20 * MINUTE;

/** Latencies of one side per minute, log-normal around `medianMs`, from a seeded source. */
function latencies(seed: number, medianMs: number, perMinute: number): number[][] {
  const random = seededRandom(seed);
  const normal = () => Math.sqrt(-2 * Math.log(Math.max(random(), 1e-12))) * Math.cos(2 * Math.PI * random());
  return Array.from({ length: 20 }, () =>
    Array.from({ length: perMinute }, () => Math.round(medianMs * Math.exp(0.45 * normal()) * 100) / 100),
  );
}

const sides = {
  'checkout-v1': latencies(11, 100, 30),
  'checkout-v2': latencies(12, 130, 30), // clearly slower
  'checkout-v3': latencies(13, 100, 30), // the same distribution as v1
};

function exactQuantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(q * (sorted.length - 1))] as number;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

async function getJson<T>(
  path: string,
  params: Record<string, string> = {},
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${vantage.api}${path}?${new URLSearchParams(params).toString()}`);
  return { status: res.status, body: (await res.json()) as T };
}

async function send(metrics: TestMetric[]): Promise<void> {
  for (let i = 0; i < metrics.length; i += 5_000) {
    const res = await postMetrics(vantage.collector, metrics.slice(i, i + 5_000));
    expect(res.status).toBe(202);
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vantage-compare-int-'));
  vantage = await startVantageProcess(dir, ['--rate-limit-per-minute', '100000', '--worker-linger', '20ms']);
  const metrics: TestMetric[] = [];
  for (const [service, minutes] of Object.entries(sides)) {
    minutes.forEach((values, m) =>
      values.forEach((value, i) => {
        const timestamp = from + m * MINUTE + i * 1000;
        metrics.push({ service, name: LATENCY, value, timestamp });
        // The same requests as one service with a version tag, for tag sides.
        const version = service.slice('checkout-'.length);
        metrics.push({ service: 'checkout', name: LATENCY, value, timestamp, tags: { version } });
      }),
    );
  }
  await send(metrics);
  const total = sides['checkout-v3'].flat().length;
  await eventually(
    async () => {
      const { body } = await getJson<CompareResponse>('/v1/compare', {
        metric: LATENCY,
        service: 'checkout',
        a: 'version:v1',
        b: 'version:v3',
        from: String(from),
        to: String(to),
      });
      return body.a.count === total && body.b.count === total ? true : undefined;
    },
    20_000,
    'the worker to store every sample',
  );
});

afterAll(async () => {
  vantage.child.kill('SIGTERM');
  expect(await vantage.exited).toBe(0);
  rmSync(dir, { recursive: true, force: true });
});

describe('GET /v1/compare on the embedded store', () => {
  const compare = (a: string, b: string, extra: Record<string, string> = {}) =>
    getJson<CompareResponse>('/v1/compare', {
      metric: LATENCY,
      a,
      b,
      from: String(from),
      to: String(to),
      step: '1m',
      ...extra,
    });

  it('returns what was sent: counts and means exactly, percentiles within the sketch error', async () => {
    const { status, body } = await compare('service:checkout-v1', 'service:checkout-v2');
    expect(status).toBe(200);
    for (const [side, service] of [
      [body.a, 'checkout-v1'],
      [body.b, 'checkout-v2'],
    ] as const) {
      const minutes = sides[service];
      const all = minutes.flat();
      expect(side.side).toBe(`service:${service}`);
      expect(side.count).toBe(all.length);
      expect(side.mean).toBeCloseTo(mean(all), 9);
      expect(side.rate).toBeCloseTo(all.length / ((to - from) / 1000), 12);
      for (const [q, value] of [
        [0.5, side.p50],
        [0.95, side.p95],
        [0.99, side.p99],
      ] as const) {
        const exact = exactQuantile(all, q);
        expect(Math.abs((value as number) - exact) / exact).toBeLessThanOrEqual(0.01);
      }
      expect(side.points.map(([t]) => t)).toEqual(minutes.map((_, m) => from + m * MINUTE));
      side.points.forEach(([, v], m) => expect(v).toBeCloseTo(mean(minutes[m] as number[]), 9));
    }
    expect(body.difference.mean).toBeCloseTo(
      mean(sides['checkout-v2'].flat()) - mean(sides['checkout-v1'].flat()),
      9,
    );
    expect(body.significance).toMatchObject({
      test: 'welch_t',
      on: 'per-step means',
      samplesA: 20,
      samplesB: 20,
    });
    expect(body.significance.significant).toBe(true);
    expect(body.significance.pValue).toBeLessThan(0.001);
    expect(body.significance.t).toBeGreaterThan(0);
  });

  it('finds no significant difference between two samples of one distribution', async () => {
    const { body } = await compare('service:checkout-v1', 'service:checkout-v3');
    expect(body.significance.significant).toBe(false);
    expect(body.significance.pValue).toBeGreaterThan(0.05);
    expect(Math.abs(body.difference.meanPercent as number)).toBeLessThan(10);
  });

  it('compares tag values within a service with the same answer as the services', async () => {
    const byService = await compare('service:checkout-v1', 'service:checkout-v2');
    const byTag = await compare('version:v1', 'version:v2', { service: 'checkout' });
    expect(byTag.status).toBe(200);
    expect(byTag.body.difference).toEqual(byService.body.difference);
    expect(byTag.body.significance).toEqual(byService.body.significance);
  });

  it('refuses bad parameters with 400, the code and the field', async () => {
    for (const [params, code, field] of [
      [{ metric: LATENCY, a: 'version:v1', b: 'version:v2' }, 'VTG_QUERY_INVALID_PARAMETER', 'service'],
      [{ metric: LATENCY, a: 'checkout-v1', b: 'service:checkout-v2' }, 'VTG_QUERY_INVALID_PARAMETER', 'a'],
      [{ metric: LATENCY, a: 'service:x', b: 'service:y', to: 'tomorrow' }, 'VTG_QUERY_INVALID_TIME', 'to'],
      [{ a: 'service:x', b: 'service:y' }, 'VTG_QUERY_INVALID_PARAMETER', 'metric'],
    ] as const) {
      const { status, body } = await getJson<{ error: { code: string; field: string } }>(
        '/v1/compare',
        params,
      );
      expect(status).toBe(400);
      expect(body.error).toMatchObject({ code, field });
    }
  });
});

describe('GET /v1/health-scores on the embedded store', () => {
  beforeAll(async () => {
    // Two hours of normal traffic for two services, then, for the last twelve whole minutes,
    // payments three times slower with one request in ten failing. Minutes are relative to now,
    // so that they fall in the window however long the test takes to get there.
    const now = Math.floor(Date.now() / MINUTE) * MINUTE;
    const random = seededRandom(5);
    const metrics: TestMetric[] = [];
    for (let start = now - 120 * MINUTE; start < now; start += MINUTE) {
      const degraded = start >= now - 12 * MINUTE;
      for (const service of ['payments', 'search']) {
        const bad = degraded && service === 'payments';
        metrics.push(
          { service, name: 'http_requests_total', type: 'counter', value: 40, timestamp: start + 59_000 },
          {
            service,
            name: 'http_errors_total',
            type: 'counter',
            value: bad ? 4 : 0,
            timestamp: start + 59_000,
          },
        );
        for (let i = 0; i < 40; i++) {
          const value = Math.round((bad ? 300 : 100) * (0.8 + 0.4 * random()));
          metrics.push({ service, name: LATENCY, value, timestamp: start + i * 1000 });
        }
      }
    }
    await send(metrics);
    await eventually(
      async () => {
        // 404 until the first of it is stored.
        const { status, body } = await getJson<HealthScoresResponse>('/v1/health-scores/payments');
        return status === 200 && (body.services[0]?.inputs.errorRate.current ?? 0) > 0.05 ? true : undefined;
      },
      20_000,
      'the degraded minutes to be stored',
    );
  });

  it('ranks the degraded service worst, with the reasons why', async () => {
    const { status, body } = await getJson<HealthScoresResponse>('/v1/health-scores');
    expect(status).toBe(200);
    expect(body.window).toBe('15m');
    const [worst] = body.services;
    expect(worst?.service).toBe('payments');
    expect(worst?.status).toBe('critical');
    expect(worst?.reasons).toContainEqual(expect.stringMatching(/^p99 latency \d(\.\d+)?x its 24h baseline/));
    expect(worst?.reasons).toContainEqual(
      expect.stringMatching(/^error rate \d+(\.\d+)?% of requests \(24h baseline 0%\)$/),
    );
    expect(worst?.inputs.latencyP99.ratio).toBeGreaterThan(2);
    const search = body.services.find((s) => s.service === 'search');
    expect(search).toMatchObject({ score: 100, status: 'healthy', reasons: [] });
    // Services without the conventional metrics are listed last, unscored.
    expect(body.services.at(-1)).toMatchObject({ score: null, status: 'unknown' });
  });

  it('answers 404 for a service that never sent anything and 400 for a bad window', async () => {
    const missing = await getJson<{ error: { code: string; field: string } }>('/v1/health-scores/nobody');
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatchObject({ code: 'VTG_QUERY_UNKNOWN_SERVICE', field: 'service' });
    const bad = await getJson<{ error: { code: string; field: string } }>('/v1/health-scores', {
      window: '2d',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'VTG_QUERY_INVALID_PARAMETER', field: 'window' });
  });
});
