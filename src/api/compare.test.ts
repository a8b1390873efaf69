import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addSample, canonicalTags, newAggregate, welchTTest } from '../core/index.js';
import type { Aggregate, CompareResponse, MetricType, Tags } from '../core/index.js';
import { SqliteStore } from '../storage/index.js';
import { FOREVER, testApiServer } from '../../test/support/test-api-server.js';

/** GET /v1/compare through the real HTTP server over a real SQLite store. */
const MINUTE = 60_000;
const T0 = Date.UTC(2026, 0, 5, 10, 0);
const NOW = T0 + 30 * MINUTE;

let dir: string;
let store: SqliteStore;
let app: FastifyInstance;

function minute(
  service: string,
  name: string,
  m: number,
  values: number[],
  tags: Tags = {},
  type: MetricType = 'gauge',
): Aggregate {
  const a = newAggregate(service, name, type, canonicalTags(tags), T0 + m * MINUTE);
  values.forEach((v, i) => addSample(a, v, T0 + m * MINUTE + i));
  return a;
}

// Ten minutes; per minute, v1 answers in 100 + m ms on average, v2 in 130 + m.
const v1 = (m: number) => [90 + m, 100 + m, 110 + m];
const v2 = (m: number) => [120 + m, 130 + m, 140 + m, 130 + m];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vantage-compare-'));
  store = new SqliteStore({ path: join(dir, 'v.db'), retention: FOREVER });
  const aggs: Aggregate[] = [];
  for (let m = 0; m < 10; m++) {
    aggs.push(minute('checkout-v1', 'latency_ms', m, v1(m)));
    aggs.push(minute('checkout-v2', 'latency_ms', m, v2(m)));
    aggs.push(minute('checkout', 'latency_ms', m, v1(m), { version: 'v1' }));
    aggs.push(minute('checkout', 'latency_ms', m, v2(m), { version: 'v2' }));
    aggs.push(minute('checkout', 'requests', m, [5, 5], { version: 'v1' }, 'counter'));
    aggs.push(minute('checkout', 'requests', m, [m % 2 === 0 ? 20 : 24], { version: 'v2' }, 'counter'));
  }
  aggs.push(minute('lonely', 'latency_ms', 3, [7, 8]));
  await store.write(aggs, []);
  app = await testApiServer({ store, clock: () => NOW });
});

afterAll(async () => {
  await app.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function compare(
  query: Record<string, string>,
): Promise<{ status: number; body: CompareResponse & { error?: { code: string; field?: string } } }> {
  const res = await app.inject({
    method: 'GET',
    url: `/v1/compare?${new URLSearchParams(query).toString()}`,
  });
  return { status: res.statusCode, body: res.json() };
}

const range = { from: String(T0), to: String(T0 + 10 * MINUTE), step: '1m' };

describe('GET /v1/compare', () => {
  it('compares two services: totals, per-step means, differences and a significant Welch test', async () => {
    const { status, body } = await compare({
      metric: 'latency_ms',
      a: 'service:checkout-v1',
      b: 'service:checkout-v2',
      ...range,
    });
    expect(status).toBe(200);
    const all1 = Array.from({ length: 10 }, (_, m) => v1(m)).flat();
    const all2 = Array.from({ length: 10 }, (_, m) => v2(m)).flat();
    const avg = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(body).toMatchObject({
      metric: 'latency_ms',
      service: null,
      from: T0,
      to: T0 + 10 * MINUTE,
      step: MINUTE,
    });
    expect(body.a.side).toBe('service:checkout-v1');
    expect(body.a.count).toBe(all1.length);
    expect(body.a.mean).toBeCloseTo(avg(all1), 12);
    expect(body.b.mean).toBeCloseTo(avg(all2), 12);
    expect(body.a.rate).toBeCloseTo(all1.length / 600, 12);
    expect(body.b.points).toEqual(Array.from({ length: 10 }, (_, m) => [T0 + m * MINUTE, 130 + m]));
    expect(body.difference.mean).toBeCloseTo(avg(all2) - avg(all1), 12);
    expect(body.difference.meanPercent).toBeCloseTo(((avg(all2) - avg(all1)) / avg(all1)) * 100, 10);
    expect(body.difference.ratePercent).toBeCloseTo(((4 - 3) / 3) * 100, 10);
    for (const p of ['p50', 'p95', 'p99'] as const) {
      expect(body.difference[p]).toBeCloseTo((body.b[p] as number) - (body.a[p] as number), 10);
    }
    const expected = welchTTest(
      body.a.points.map(([, v]) => v),
      body.b.points.map(([, v]) => v),
    ) as { t: number; df: number; pValue: number };
    expect(body.significance).toEqual({
      test: 'welch_t',
      on: 'per-step means',
      t: expected.t,
      df: expected.df,
      pValue: expected.pValue,
      alpha: 0.05,
      significant: true,
      samplesA: 10,
      samplesB: 10,
      note: null,
    });
    expect(body.significance.t).toBeGreaterThan(0);
  });

  it('compares two values of a tag within a service, and gives the same numbers as the service sides', async () => {
    const byService = await compare({
      metric: 'latency_ms',
      a: 'service:checkout-v1',
      b: 'service:checkout-v2',
      ...range,
    });
    const byTag = await compare({
      metric: 'latency_ms',
      service: 'checkout',
      a: 'version:v1',
      b: 'version:v2',
      ...range,
    });
    expect(byTag.status).toBe(200);
    expect(byTag.body.service).toBe('checkout');
    expect(byTag.body.a.side).toBe('version:v1');
    expect({ ...byTag.body.a, side: '' }).toEqual({ ...byService.body.a, side: '' });
    expect(byTag.body.significance).toEqual(byService.body.significance);
  });

  it('tests counters on their per-step rates', async () => {
    const { body } = await compare({
      metric: 'requests',
      service: 'checkout',
      a: 'version:v1',
      b: 'version:v2',
      ...range,
    });
    expect(body.significance.on).toBe('per-step rates');
    expect(body.a.points.map(([, v]) => v)).toEqual(Array(10).fill(10 / 60));
    expect(body.b.rate).toBeCloseTo((5 * 20 + 5 * 24) / 600, 12);
    expect(body.a.p99).toBeNull();
    expect(body.significance.significant).toBe(true);
  });

  it('answers with nulls and a note when a side has too little data', async () => {
    const empty = await compare({
      metric: 'latency_ms',
      a: 'service:checkout-v1',
      b: 'service:nobody',
      ...range,
    });
    expect(empty.status).toBe(200);
    expect(empty.body.b).toEqual({
      side: 'service:nobody',
      count: 0,
      mean: null,
      p50: null,
      p95: null,
      p99: null,
      rate: 0,
      points: [],
    });
    expect(empty.body.difference.mean).toBeNull();
    expect(empty.body.significance).toMatchObject({
      t: null,
      df: null,
      pValue: null,
      significant: null,
      samplesB: 0,
    });
    expect(empty.body.significance.note).toBe('side B (service:nobody) has no latency_ms data in the range');
    const single = await compare({
      metric: 'latency_ms',
      a: 'service:lonely',
      b: 'service:checkout-v2',
      ...range,
    });
    expect(single.body.a.count).toBe(2);
    expect(single.body.significance.note).toMatch(
      /^side A \(service:lonely\) has data in 1 step; the test needs 2 or more/,
    );
  });

  it('refuses bad parameters with 400, the code and the field', async () => {
    const cases: [Record<string, string>, string, string][] = [
      [
        { metric: 'latency_ms', a: 'checkout-v1', b: 'service:checkout-v2' },
        'VTG_QUERY_INVALID_PARAMETER',
        'a',
      ],
      [{ metric: 'latency_ms', a: 'service:checkout-v1', b: 'service:' }, 'VTG_QUERY_INVALID_PARAMETER', 'b'],
      [{ metric: 'latency_ms', a: 'version:v1', b: 'version:v2' }, 'VTG_QUERY_INVALID_PARAMETER', 'service'],
      [{ metric: 'latency_ms', b: 'service:x' }, 'VTG_QUERY_INVALID_PARAMETER', 'a'],
      [{ a: 'service:x', b: 'service:y' }, 'VTG_QUERY_INVALID_PARAMETER', 'metric'],
      [{ metric: 'm', a: 'service:x', b: 'service:y', from: 'yesterday' }, 'VTG_QUERY_INVALID_TIME', 'from'],
      [
        { metric: 'm', a: 'service:x', b: 'service:y', from: '-1h', to: '-2h' },
        'VTG_QUERY_INVALID_RANGE',
        'from',
      ],
      [{ metric: 'm', a: 'service:x', b: 'service:y', step: '90s' }, 'VTG_QUERY_INVALID_PARAMETER', 'step'],
      [
        { metric: 'm', a: 'service:x', b: 'service:y', from: '-30d', step: '1m' },
        'VTG_QUERY_TOO_MANY_POINTS',
        'step',
      ],
    ];
    for (const [query, code, field] of cases) {
      const { status, body } = await compare(query);
      expect(status, JSON.stringify(query)).toBe(400);
      expect(body.error).toMatchObject({ code, field });
    }
  });

  it('is described in the OpenAPI document', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/v1/compare', '/v1/health-scores', '/v1/health-scores/{service}']),
    );
  });
});
