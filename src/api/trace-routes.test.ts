import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spanDurationMs } from '../core/index.js';
import { SqliteTraceStore } from '../storage/index.js';
import { EMPTY_STORE, testApiServer } from '../../test/support/test-api-server.js';
import { makeTraces } from '../../test/support/trace-fixtures.js';

const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);
const spans = makeTraces(30, T0, 60_000);

let dir: string;
let traces: SqliteTraceStore;
let app: FastifyInstance;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vantage-trace-routes-'));
  traces = new SqliteTraceStore({
    path: join(dir, 'traces.db'),
    retention: { spansMs: 1e13, summariesMs: 1e13 },
  });
  await traces.writeSpans(spans);
  app = await testApiServer({ store: EMPTY_STORE, traces, clock: () => T0 + 3_600_000 });
});

afterAll(async () => {
  await app.close();
  await traces.close();
  rmSync(dir, { recursive: true, force: true });
});

interface ErrorBody {
  error: { code: string; field?: string };
}

describe('GET /v1/traces', () => {
  it('lists traces of the last hour newest first, with their summaries', async () => {
    const res = await app.inject({ url: '/v1/traces?limit=5' });
    expect(res.statusCode).toBe(200);
    const listed = res.json<{ traces: { traceId: string; start: number; spanCount: number }[] }>().traces;
    expect(listed).toHaveLength(5);
    const starts = listed.map((t) => t.start);
    expect(starts).toEqual([...starts].sort((a, b) => b - a));
    const newest = spans.filter((s) => s.traceId === listed[0]?.traceId);
    expect(listed[0]?.spanCount).toBe(newest.length);
  });

  it('finds traces by a span meeting every condition', async () => {
    const slow = spans.filter((s) => s.service === 'payments' && spanDurationMs(s) >= 100);
    const res = await app.inject({
      url: `/v1/traces?service=payments&min_duration=100&from=${T0}&to=${T0 + 3_600_000}&limit=1000`,
    });
    expect(slow.length).toBeGreaterThan(0);
    const ids = res.json<{ traces: { traceId: string }[] }>().traces.map((t) => t.traceId);
    expect(new Set(ids)).toEqual(new Set(slow.map((s) => s.traceId)));
    const tagged = await app.inject({
      url: `/v1/traces?tags=http.status_code:500&tags=customer.tier:gold&from=${T0}&limit=1000`,
    });
    const expected = spans.filter(
      (s) => s.attributes['http.status_code'] === 500 && s.attributes['customer.tier'] === 'gold',
    );
    expect(expected.length).toBeGreaterThan(0);
    expect(new Set(tagged.json<{ traces: { traceId: string }[] }>().traces.map((t) => t.traceId))).toEqual(
      new Set(expected.map((s) => s.traceId)),
    );
  });

  it('refuses a bad search with a code and the field', async () => {
    const cases: [string, string, string][] = [
      ['/v1/traces?limit=1001', 'VTG_QUERY_INVALID_PARAMETER', 'limit'],
      ['/v1/traces?status=bad', 'VTG_QUERY_INVALID_PARAMETER', 'status'],
      ['/v1/traces?tags=nocolon', 'VTG_TRACE_INVALID_TAG', 'tags'],
      ['/v1/traces?tags=a"b:1', 'VTG_TRACE_INVALID_TAG', 'tags'],
      ['/v1/traces?from=yesterday', 'VTG_QUERY_INVALID_TIME', 'from'],
      ['/v1/traces?from=-1h&to=-2h', 'VTG_QUERY_INVALID_RANGE', 'from'],
    ];
    for (const [url, code, field] of cases) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(400);
      expect(res.json<ErrorBody>().error, url).toMatchObject({ code, field });
    }
  });
});

describe('GET /v1/traces/{traceId}', () => {
  it('returns every span with its parent link', async () => {
    const id = spans[0]!.traceId;
    const res = await app.inject({ url: `/v1/traces/${id}` });
    expect(res.statusCode).toBe(200);
    const body = res.json<{ traceId: string; spans: { spanId: string; parentSpanId: string }[] }>();
    expect(body.traceId).toBe(id);
    const sent = spans.filter((s) => s.traceId === id);
    expect(new Map(body.spans.map((s) => [s.spanId, s.parentSpanId]))).toEqual(
      new Map(sent.map((s) => [s.spanId, s.parentSpanId])),
    );
  });

  it('answers 404 with a code for an unknown id, 400 for one that is not hex', async () => {
    const unknown = await app.inject({ url: `/v1/traces/${'e'.repeat(32)}` });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json<ErrorBody>().error.code).toBe('VTG_TRACE_NOT_FOUND');
    const bad = await app.inject({ url: '/v1/traces/xyz' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json<ErrorBody>().error).toMatchObject({ code: 'VTG_TRACE_INVALID_ID', field: 'traceId' });
  });
});

describe('GET /v1/service-map', () => {
  it('lists the services and the calls between them', async () => {
    const res = await app.inject({ url: `/v1/service-map?from=${T0}&to=${T0 + 3_600_000}` });
    expect(res.statusCode).toBe(200);
    const body = res.json<{
      services: string[];
      calls: { parent: string; child: string; calls: number }[];
    }>();
    const total = body.calls.reduce((n, c) => n + c.calls, 0);
    const byId = new Map(spans.map((s) => [`${s.traceId}/${s.spanId}`, s]));
    const crossing = spans.filter((s) => {
      const p = byId.get(`${s.traceId}/${s.parentSpanId}`);
      return p !== undefined && p.service !== s.service;
    });
    expect(total).toBe(crossing.length);
    expect(body.services).toContain('frontend');
  });
});
