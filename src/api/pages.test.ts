import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addSample, newAggregate } from '../core/index.js';
import type { Aggregate, HealthScoresResponse, MetricsResponse, ServicesResponse } from '../core/index.js';
import { SqliteStore } from '../storage/index.js';
import { FOREVER, testApiServer } from '../../test/support/test-api-server.js';

/**
 * Pages of /v1/services, /v1/metrics and /v1/health-scores, and the answer limits' 422s, through
 * the real server over a real SQLite store.
 */
const NOW = Date.UTC(2026, 0, 5, 12, 7, 30);
const MINUTE = 60_000;

let dir: string;
let store: SqliteStore;
let app: FastifyInstance;

function agg(service: string, name: string, tags: Record<string, string> = {}): Aggregate {
  const start = NOW - 5 * MINUTE - (NOW % MINUTE);
  const a = newAggregate(service, name, 'counter', JSON.stringify(tags), start);
  addSample(a, 1, start);
  return a;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vantage-pages-'));
  store = new SqliteStore({
    path: join(dir, 'v.db'),
    retention: FOREVER,
    answerLimits: { maxSeries: 3, maxPoints: 1_000, maxSeriesScanned: 1_000, maxRowsScanned: 1_000_000 },
  });
  const aggregates: Aggregate[] = [];
  for (let s = 0; s < 7; s++) aggregates.push(agg(`svc-${s}`, 'http_requests_total'));
  for (let m = 0; m < 5; m++) aggregates.push(agg('svc-0', `metric_${m}`, { host: 'a' }));
  for (let h = 0; h < 4; h++) aggregates.push(agg('svc-1', 'by_host', { host: `h${h}` }));
  await store.write(aggregates, []);
  app = await testApiServer({ store, clock: () => NOW });
});

afterAll(async () => {
  await app.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function get<T>(url: string): Promise<{ status: number; body: T }> {
  const res = await app.inject({ method: 'GET', url });
  return { status: res.statusCode, body: res.json<T>() };
}

/** Every page of a listing, following `next`. */
async function follow<T extends { next: string | null }>(
  url: string,
  items: (page: T) => string[],
): Promise<string[][]> {
  const pages: string[][] = [];
  let next: string | null = null;
  do {
    const sep = url.includes('?') ? '&' : '?';
    const { body }: { body: T } = await get<T>(
      next === null ? url : `${url}${sep}after=${encodeURIComponent(next)}`,
    );
    pages.push(items(body));
    next = body.next;
  } while (next !== null && pages.length < 20);
  return pages;
}

describe('pages', () => {
  it('pages /v1/services by name with limit and after, next null on the last page', async () => {
    const pages = await follow<ServicesResponse>('/v1/services?limit=3', (b) =>
      b.services.map((s) => s.name),
    );
    expect(pages).toEqual([['svc-0', 'svc-1', 'svc-2'], ['svc-3', 'svc-4', 'svc-5'], ['svc-6']]);
    const all = await get<ServicesResponse>('/v1/services');
    expect(all.body.next).toBeNull();
    expect(all.body.services).toHaveLength(7);
  });

  it('pages /v1/metrics of a service', async () => {
    const pages = await follow<MetricsResponse>('/v1/metrics?service=svc-0&limit=4', (b) =>
      b.metrics.map((m) => m.name),
    );
    expect(pages).toEqual([
      ['http_requests_total', 'metric_0', 'metric_1', 'metric_2'],
      ['metric_3', 'metric_4'],
    ]);
    const { body } = await get<MetricsResponse>('/v1/metrics?service=svc-1');
    expect(body.metrics.find((m) => m.name === 'by_host')).toMatchObject({
      types: ['counter'],
      tagKeys: ['host'],
      seriesCount: 4,
    });
  });

  it('pages /v1/health-scores by service name', async () => {
    const pages = await follow<HealthScoresResponse>('/v1/health-scores?limit=4', (b) =>
      b.services.map((s) => s.service).sort(),
    );
    expect(pages).toEqual([
      ['svc-0', 'svc-1', 'svc-2', 'svc-3'],
      ['svc-4', 'svc-5', 'svc-6'],
    ]);
  });

  it('refuses a page over the maximum, naming limit', async () => {
    const res = await get<{ error: { code: string; field: string } }>('/v1/services?limit=10001');
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'VTG_QUERY_INVALID_PARAMETER', field: 'limit' });
  });

  it('answers 422 VTG_QUERY_TOO_MANY_SERIES to a timeseries query of more groups than allowed', async () => {
    const range = `from=${NOW - 60 * MINUTE}&to=${NOW}&step=1m`;
    const res = await get<{ error: { code: string; message: string } }>(
      `/metrics/timeseries?service=svc-1&metric=by_host&group_by=host&${range}`,
    );
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('VTG_QUERY_TOO_MANY_SERIES');
    expect(res.body.error.message).toContain('filter on more tags');
    const narrow = await get<{ series: unknown[] }>(
      `/metrics/timeseries?service=svc-1&metric=by_host&group_by=host&tags=host:h1&${range}`,
    );
    expect(narrow.status).toBe(200);
    expect(narrow.body.series).toHaveLength(1);
  });
});
