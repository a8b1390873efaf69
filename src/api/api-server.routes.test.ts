import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyVerifier } from '../http/index.js';
import {
  EMPTY_STORE,
  EMPTY_TRACE_STORE,
  streamWithoutFeed,
  testApiServer,
} from '../../test/support/test-api-server.js';
import { createApiMetrics } from './api-metrics.js';
import type { ApiMetrics } from './api-metrics.js';

/**
 * Each route group is a plugin of its own; the root's hooks (the key check, the request metrics)
 * and the OpenAPI description must still cover every route whichever plugin adds it.
 */

/** Every documented route (the probes are hidden), as `METHOD path`: a route group added or dropped shows here. */
const DOCUMENTED = [
  'GET /api/dependencies',
  'GET /api/operations',
  'GET /api/services',
  'GET /api/services/{service}/operations',
  'GET /api/traces',
  'GET /api/traces/{traceId}',
  'GET /metrics/timeseries',
  'GET /v1/compare',
  'GET /v1/dead-letters',
  'GET /v1/exemplars',
  'GET /v1/health-scores',
  'GET /v1/health-scores/{service}',
  'GET /v1/metrics',
  'GET /v1/pipeline',
  'GET /v1/service-map',
  'GET /v1/services',
  'GET /v1/stream',
  'GET /v1/traces',
  'GET /v1/traces/{traceId}',
  'POST /v1/query',
  'POST /v1/stream/ticket',
];

/** One request to each data route, without a key. */
const DATA_ROUTES: { method: 'GET' | 'POST'; url: string; route: string }[] = [
  { method: 'GET', url: '/v1/services', route: '/v1/services' },
  { method: 'GET', url: '/v1/metrics?service=a', route: '/v1/metrics' },
  { method: 'GET', url: '/metrics/timeseries?service=a&metric=b', route: '/metrics/timeseries' },
  { method: 'POST', url: '/v1/query', route: '/v1/query' },
  { method: 'GET', url: '/v1/compare?metric=m&service=a&a=x&b=y', route: '/v1/compare' },
  { method: 'GET', url: '/v1/health-scores', route: '/v1/health-scores' },
  { method: 'GET', url: '/v1/health-scores/a', route: '/v1/health-scores/:service' },
  { method: 'GET', url: '/v1/pipeline', route: '/v1/pipeline' },
  { method: 'GET', url: '/v1/dead-letters', route: '/v1/dead-letters' },
  { method: 'GET', url: '/v1/exemplars?service=a&metric=b', route: '/v1/exemplars' },
  { method: 'POST', url: '/v1/stream/ticket', route: '/v1/stream/ticket' },
  { method: 'GET', url: '/v1/traces', route: '/v1/traces' },
  { method: 'GET', url: `/v1/traces/${'a'.repeat(32)}`, route: '/v1/traces/:traceId' },
  { method: 'GET', url: '/v1/service-map', route: '/v1/service-map' },
  { method: 'GET', url: '/api/services', route: '/api/services' },
  { method: 'GET', url: '/api/services/a/operations', route: '/api/services/:service/operations' },
  { method: 'GET', url: '/api/operations?service=a', route: '/api/operations' },
  { method: 'GET', url: '/api/traces?service=a', route: '/api/traces' },
  { method: 'GET', url: '/api/traces/abc', route: '/api/traces/:traceId' },
  { method: 'GET', url: '/api/dependencies', route: '/api/dependencies' },
];

let dir: string;
let app: FastifyInstance;
let metrics: ApiMetrics;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vantage-routes-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Vantage</title>');
  metrics = createApiMetrics(new Registry());
  app = await testApiServer({
    store: EMPTY_STORE,
    traces: EMPTY_TRACE_STORE,
    metrics,
    apiKeys: new ApiKeyVerifier(['the-key']),
    dashboardDir: dir,
    pipeline: { targets: () => [], bus: 'embedded' },
    stream: streamWithoutFeed(),
  });
});

afterAll(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the query API routes', () => {
  it('are all in /openapi.json', async () => {
    const res = await app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const spec = res.json<{ paths: Record<string, Record<string, unknown>> }>();
    const listed = Object.entries(spec.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(listed.sort()).toEqual(DOCUMENTED);
  });

  it.each(DATA_ROUTES)('$method $url asks for a key and is counted', async ({ method, url, route }) => {
    const res = await app.inject({ method, url, ...(method === 'POST' ? { payload: {} } : {}) });
    expect(res.statusCode).toBe(401);
    expect(res.json<{ error: { code: string } }>().error.code).toBe('VTG_AUTH_MISSING_KEY');
    const counted = (await metrics.requests.get()).values.find(
      (v) => v.labels.route === route && v.labels.status === '401',
    );
    expect(counted?.value).toBeGreaterThanOrEqual(1);
  });

  it('leave the dashboard open', async () => {
    const res = await app.inject({ method: 'GET', url: '/services/checkout' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<title>Vantage</title>');
  });
});
