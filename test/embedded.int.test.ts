import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, postMetrics, timeseries } from './support/http.js';
import type { TestMetric } from './support/http.js';
import { startVantageProcess } from './support/vantage-process.js';
import type { VantageProcess } from './support/vantage-process.js';

/**
 * `vantage start` as a user runs it, on real ports and a real SQLite file: what a user sends comes
 * back from the query API with the right numbers.
 */
const MINUTE = 60_000;
let dir: string;
let vantage: VantageProcess;
let collector: string;
let api: string;
// Whole minutes well inside the retention and the accepted age window.
const base = Math.floor((Date.now() - 30 * MINUTE) / (10 * MINUTE)) * (10 * MINUTE);

async function start(): Promise<void> {
  vantage = await startVantageProcess(dir, ['--rate-limit-per-minute', '100000', '--worker-linger', '20ms']);
  collector = vantage.collector;
  api = vantage.api;
}

async function stop(): Promise<void> {
  vantage.child.kill('SIGTERM');
  expect(await vantage.exited).toBe(0);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vantage-int-'));
  await start();
});

afterAll(async () => {
  await stop();
  rmSync(dir, { recursive: true, force: true });
});

function exactQuantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(q * (sorted.length - 1))] as number;
}

describe('embedded Vantage end to end', () => {
  // 10 minutes of traffic: a latency sent once per request (gauge) and a request counter sent
  // every 10 s (deltas), for two routes, spread over many requests as clients would send them.
  const latencies = new Map<string, number[]>();
  const requestsPerMinute = new Map<number, number>();

  beforeAll(async () => {
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const batches: TestMetric[][] = [];
    for (let tick = 0; tick < 60; tick++) {
      const t0 = base + tick * 10_000;
      const batch: TestMetric[] = [];
      for (const route of ['/pay', '/cart']) {
        const n = route === '/pay' ? 20 + (tick % 7) : 40;
        for (let i = 0; i < n; i++) {
          const v = Math.round(route === '/pay' ? 50 + 400 * rand() ** 3 : 5 + 20 * rand());
          batch.push({
            service: 'checkout',
            name: 'http_request_duration_ms',
            value: v,
            timestamp: t0 + i * 100,
            tags: { route },
          });
          const key = `${route}|${Math.floor((t0 + i * 100) / MINUTE) * MINUTE}`;
          latencies.set(key, [...(latencies.get(key) ?? []), v]);
        }
        batch.push({
          service: 'checkout',
          name: 'http_requests_total',
          type: 'counter',
          value: n,
          timestamp: t0 + 9_999,
          tags: { route },
        });
        const minute = Math.floor((t0 + 9_999) / MINUTE) * MINUTE;
        requestsPerMinute.set(minute, (requestsPerMinute.get(minute) ?? 0) + n);
      }
      batches.push(batch);
    }
    const results = await Promise.all(batches.map((b) => postMetrics(collector, b)));
    expect(results.map((r) => r.status)).toEqual(batches.map(() => 202));
    await eventually(
      async () => {
        const s = await timeseries(api, {
          service: 'checkout',
          metric: 'http_requests_total',
          from: String(base),
          to: String(base + 10 * MINUTE),
          step: '10m',
          agg: 'sum',
        });
        return s[0]?.points[0]?.[1] === [...requestsPerMinute.values()].reduce((a, b) => a + b, 0)
          ? true
          : undefined;
      },
      10_000,
      'the worker to store every sample',
    );
  });

  it('answers avg and p99 latency per minute and route', async () => {
    const series = await timeseries(api, {
      service: 'checkout',
      metric: 'http_request_duration_ms',
      from: String(base),
      to: String(base + 10 * MINUTE),
      step: '1m',
      agg: 'avg',
      group_by: 'route',
    });
    expect(series.map((s) => s.tags.route).sort()).toEqual(['/cart', '/pay']);
    const p99 = await timeseries(api, {
      service: 'checkout',
      metric: 'http_request_duration_ms',
      from: String(base),
      to: String(base + 10 * MINUTE),
      step: '1m',
      agg: 'p99',
      group_by: 'route',
    });
    for (const s of series) {
      expect(s.points).toHaveLength(10);
      for (const [ts, avg] of s.points) {
        const values = latencies.get(`${s.tags.route}|${ts}`) as number[];
        expect(avg).toBeCloseTo(values.reduce((a, b) => a + b, 0) / values.length, 9);
      }
      const q = p99.find((x) => x.tags.route === s.tags.route) as (typeof p99)[number];
      for (const [ts, value] of q.points) {
        const exact = exactQuantile(latencies.get(`${s.tags.route}|${ts}`) as number[], 0.99);
        expect(Math.abs(value - exact) / exact).toBeLessThanOrEqual(0.01);
      }
    }
  });

  it('answers requests per second from the counter and from the per-request latency alike', async () => {
    const q = {
      service: 'checkout',
      from: String(base),
      to: String(base + 10 * MINUTE),
      step: '1m',
      agg: 'rate',
    };
    const fromCounter = (await timeseries(api, { ...q, metric: 'http_requests_total' }))[0]?.points ?? [];
    const fromLatency =
      (await timeseries(api, { ...q, metric: 'http_request_duration_ms' }))[0]?.points ?? [];
    expect(fromCounter).toHaveLength(10);
    for (const [ts, rps] of fromCounter) expect(rps).toBeCloseTo((requestsPerMinute.get(ts) ?? 0) / 60, 9);
    // Each request's latency sample lands in the minute it happened; the counter's delta at the
    // end of its 10 s window: totals over the range agree exactly.
    const total = (points: [number, number][]) => points.reduce((a, [, v]) => a + v * 60, 0);
    expect(total(fromLatency)).toBeCloseTo(total(fromCounter), 6);
  });

  it('answers the same totals from every tier', async () => {
    const params = { service: 'checkout', metric: 'http_request_duration_ms', agg: 'count' };
    const from = Math.floor(base / (24 * 60 * MINUTE)) * 24 * 60 * MINUTE;
    const to = from + 2 * 24 * 60 * MINUTE;
    const totals: Record<string, number> = {};
    for (const step of ['1m', '5m', '1h', '1d']) {
      const res = await fetch(
        `${api}/metrics/timeseries?${new URLSearchParams({ ...params, step, from: String(from), to: String(to) }).toString()}`,
      );
      const body = (await res.json()) as {
        series: { points: [number, number][] }[];
        query: { tier: string };
      };
      expect(body.query.tier).toBe(step);
      totals[step] = body.series[0]?.points.reduce((a, [, v]) => a + v, 0) ?? 0;
    }
    const expected = [...latencies.values()].reduce((a, v) => a + v.length, 0);
    expect(totals).toEqual({ '1m': expected, '5m': expected, '1h': expected, '1d': expected });
  });

  it('filters by tag and lists services and metrics', async () => {
    const pay = await timeseries(api, {
      service: 'checkout',
      metric: 'http_request_duration_ms',
      from: String(base),
      to: String(base + 10 * MINUTE),
      step: '10m',
      agg: 'count',
      tags: 'route:/pay',
    });
    const expected = [...latencies]
      .filter(([k]) => k.startsWith('/pay|'))
      .reduce((a, [, v]) => a + v.length, 0);
    expect(pay).toHaveLength(1);
    expect(pay[0]?.points[0]?.[1]).toBe(expected);
    const services = (await (await fetch(`${api}/v1/services`)).json()) as {
      services: { name: string; metricCount: number }[];
    };
    expect(services.services).toContainEqual(expect.objectContaining({ name: 'checkout', metricCount: 2 }));
    const metrics = (await (await fetch(`${api}/v1/metrics?service=checkout`)).json()) as {
      metrics: { name: string; types: string[]; tagKeys: string[] }[];
    };
    expect(metrics.metrics).toContainEqual(
      expect.objectContaining({ name: 'http_requests_total', types: ['counter'], tagKeys: ['route'] }),
    );
  });

  it('answers bad queries with a coded 400 naming the parameter', async () => {
    for (const [params, field] of [
      [{ service: 'checkout', metric: 'x', step: '90s' }, 'step'],
      [{ service: 'checkout', metric: 'x', from: 'yesterday' }, 'from'],
      [{ service: 'checkout', metric: 'x', agg: 'median' }, 'agg'],
      [{ service: 'checkout', metric: 'x', from: '-30d', step: '1m' }, 'step'],
      [{ metric: 'x' }, 'service'],
    ] as const) {
      const res = await fetch(`${api}/metrics/timeseries?${new URLSearchParams(params).toString()}`);
      expect(res.status).toBe(400);
      const body = (await res.json()) as { error: { code: string; field: string } };
      expect(body.error.code).toMatch(/^VTG_QUERY_/);
      expect(body.error.field).toBe(field);
    }
  });

  it('answers VQL over the same data, and refuses an injection with its position', async () => {
    const vql = `SELECT tags.route AS route, count(value), avg(value), p99(value) FROM metrics
      WHERE service_name = 'checkout' AND metric_name = 'http_request_duration_ms'
        AND timestamp >= ${base} AND timestamp < ${base + 10 * MINUTE}
      GROUP BY tags.route ORDER BY route`;
    const res = await fetch(`${api}/v1/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ vql }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      columns: string[];
      rows: [string, number, number, number][];
      stats: { tier: string };
    };
    expect(body.columns).toEqual(['route', 'count(value)', 'avg(value)', 'p99(value)']);
    expect(body.rows.map((r) => r[0])).toEqual(['/cart', '/pay']);
    for (const [route, count, avg, p99] of body.rows) {
      const values = [...latencies].filter(([k]) => k.startsWith(`${route}|`)).flatMap(([, v]) => v);
      expect(count).toBe(values.length);
      expect(avg).toBeCloseTo(values.reduce((a, b) => a + b, 0) / values.length, 9);
      const exact = exactQuantile(values, 0.99);
      expect(Math.abs(p99 - exact) / exact).toBeLessThanOrEqual(0.01);
    }
    const bad = await fetch(`${api}/v1/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        vql: "SELECT * FROM metrics WHERE service_name = 'test'; DROP TABLE metrics;--",
      }),
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({
      error: {
        code: 'VTG_VQL_MULTIPLE_STATEMENTS',
        message: expect.stringContaining('at line 1, column 52') as string,
        field: 'vql',
        position: { line: 1, column: 52, offset: 51 },
      },
    });
  });

  it('keeps the data across a restart and merges later partials of the same minute exactly', async () => {
    await stop();
    await start();
    const late = await postMetrics(collector, [
      {
        service: 'checkout',
        name: 'http_request_duration_ms',
        value: 1000,
        timestamp: base + 5,
        tags: { route: '/pay' },
      },
    ]);
    expect(late.status).toBe(202);
    const key = `/pay|${base}`;
    const values = [...(latencies.get(key) as number[]), 1000];
    const max = await eventually(
      async () => {
        const s = await timeseries(api, {
          service: 'checkout',
          metric: 'http_request_duration_ms',
          from: String(base),
          to: String(base + MINUTE),
          step: '1m',
          agg: 'max',
          tags: 'route:/pay',
        });
        return s[0]?.points[0]?.[1] === 1000 ? s : undefined;
      },
      10_000,
      'the late sample',
    );
    expect(max).toHaveLength(1);
    const count = await timeseries(api, {
      service: 'checkout',
      metric: 'http_request_duration_ms',
      from: String(base),
      to: String(base + MINUTE),
      step: '1m',
      agg: 'count',
      tags: 'route:/pay',
    });
    expect(count[0]?.points[0]?.[1]).toBe(values.length);
  });

  it('exposes the seed metrics of each role on its own port', async () => {
    const collectorMetrics = await (await fetch(`${collector}/metrics`)).text();
    expect(collectorMetrics).toMatch(/vantage_collector_requests_total\{status="202",role="collector"\} \d+/);
    const worker = await (await fetch(vantage.workerMetrics)).text();
    for (const name of [
      'vantage_worker_kafka_messages_consumed_total',
      'vantage_worker_database_inserts_total',
      'vantage_worker_processing_lag_seconds',
      'vantage_worker_batch_size',
    ]) {
      expect(worker).toContain(name);
    }
    const apiMetrics = await (await fetch(vantage.apiMetrics)).text();
    expect(apiMetrics).toContain('vantage_api_requests_total');
    expect(apiMetrics).toContain('vantage_api_database_query_duration_seconds');
  });
});
