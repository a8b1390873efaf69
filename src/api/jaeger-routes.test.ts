import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Span } from '../core/index.js';
import { ApiKeyVerifier } from '../http/index.js';
import { SqliteTraceStore } from '../storage/index.js';
import { EMPTY_STORE, testApiServer } from '../../test/support/test-api-server.js';
import { makeTrace, makeTraces } from '../../test/support/trace-fixtures.js';
import type { JaegerTrace } from './jaeger-format.js';
import { parseGoDuration } from './jaeger-format.js';

const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);
const spans = makeTraces(20, T0, 60_000);
const KEY = 'grafana-key';

let dir: string;
let traces: SqliteTraceStore;
let app: FastifyInstance;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vantage-jaeger-'));
  traces = new SqliteTraceStore({
    path: join(dir, 'traces.db'),
    retention: { spansMs: 1e13, summariesMs: 1e13 },
  });
  await traces.writeSpans(spans);
  app = await testApiServer({
    store: EMPTY_STORE,
    traces,
    apiKeys: new ApiKeyVerifier([KEY]),
    clock: () => T0 + 3_600_000,
  });
});

afterAll(async () => {
  await app.close();
  await traces.close();
  rmSync(dir, { recursive: true, force: true });
});

/** What Grafana's Jaeger data source sends: the data source's key as a Bearer token. */
async function grafana<T>(url: string): Promise<{ status: number; body: T }> {
  const res = await app.inject({ url, headers: { authorization: `Bearer ${KEY}` } });
  return { status: res.statusCode, body: res.json<T>() };
}

interface Envelope<T> {
  data: T[];
  total: number;
  limit: number;
  offset: number;
  errors: null;
}

describe("Jaeger's query API, driven as Grafana's Jaeger data source does", () => {
  it('asks for the key as every API route does', async () => {
    const res = await app.inject({ url: '/api/services' });
    expect(res.statusCode).toBe(401);
  });

  it('loads services, then operations, then searches, then opens a trace', async () => {
    const services = await grafana<Envelope<string>>('/api/services');
    expect(services.status).toBe(200);
    expect(services.body.data).toEqual([...new Set(spans.map((s) => s.service))].sort());
    expect(services.body.total).toBe(services.body.data.length);

    const ops = await grafana<Envelope<string>>('/api/services/checkout/operations');
    expect(ops.body.data).toEqual(
      [...new Set(spans.filter((s) => s.service === 'checkout').map((s) => s.name))].sort(),
    );

    // The search form: service, operation, tags as logfmt turned JSON, durations, µs range.
    const op = 'PlaceOrder';
    const query = new URLSearchParams({
      service: 'checkout',
      operation: op,
      tags: JSON.stringify({ 'http.method': 'POST' }),
      minDuration: '1ms',
      limit: '20',
      start: String(T0 * 1000),
      end: String((T0 + 3_600_000) * 1000),
      lookback: 'custom',
    });
    const found = await grafana<Envelope<JaegerTrace>>(`/api/traces?${query}`);
    expect(found.status).toBe(200);
    const expectedIds = new Set(
      spans
        .filter(
          (s) =>
            s.service === 'checkout' &&
            s.name === op &&
            s.attributes['http.method'] === 'POST' &&
            BigInt(s.endUnixNano) - BigInt(s.startUnixNano) >= 1_000_000n,
        )
        .map((s) => s.traceId),
    );
    expect(expectedIds.size).toBeGreaterThan(0);
    expect(new Set(found.body.data.map((t) => t.traceID))).toEqual(expectedIds);
    for (const t of found.body.data) {
      expect(t.spans).toHaveLength(spans.filter((s) => s.traceId === t.traceID).length);
    }

    const first = found.body.data[0]!;
    const opened = await grafana<Envelope<JaegerTrace>>(`/api/traces/${first.traceID}`);
    expect(opened.status).toBe(200);
    const trace = opened.body.data[0]!;
    const sent = spans.filter((s) => s.traceId === first.traceID);
    for (const s of sent) {
      const j = trace.spans.find((x) => x.spanID === s.spanId)!;
      expect(j.operationName).toBe(s.name);
      expect(j.startTime).toBe(Number(BigInt(s.startUnixNano) / 1000n));
      expect(trace.processes[j.processID]?.serviceName).toBe(s.service);
      // The resource's attributes are the process's tags, not the span's.
      expect(trace.processes[j.processID]?.tags).toEqual([
        { key: 'host.name', type: 'string', value: s.attributes['host.name'] },
      ]);
      expect(j.tags.map((t) => t.key)).not.toContain('host.name');
      expect(j.tags).toContainEqual({ key: 'region', type: 'string', value: 'eu-west-1' });
      expect(j.references.filter((r) => r.refType === 'CHILD_OF').map((r) => r.spanID)).toEqual(
        s.parentSpanId === '' ? [] : [s.parentSpanId],
      );
      expect(j.tags.some((t) => t.key === 'error' && t.value === true)).toBe(s.status === 'error');
      expect(j.tags).toContainEqual({
        key: 'http.status_code',
        type: 'int64',
        value: s.attributes['http.status_code'],
      });
    }
  });

  it('finds error traces by the error tag and answers dependencies', async () => {
    const query = new URLSearchParams({
      tags: JSON.stringify({ error: 'true' }),
      start: String(T0 * 1000),
      end: String((T0 + 3_600_000) * 1000),
      limit: '100',
    });
    const found = await grafana<Envelope<JaegerTrace>>(`/api/traces?${query}`);
    const withErrors = new Set(spans.filter((s) => s.status === 'error').map((s) => s.traceId));
    expect(withErrors.size).toBeGreaterThan(0);
    expect(new Set(found.body.data.map((t) => t.traceID))).toEqual(withErrors);
    const deps = await grafana<Envelope<{ parent: string; child: string; callCount: number }>>(
      `/api/dependencies?endTs=${T0 + 3_600_000}&lookback=${3_600_000 + 1}`,
    );
    const calls = await traces.serviceCalls(T0 - 1, T0 + 3_600_000);
    expect(deps.body.data).toEqual(
      calls.map((c) => ({ parent: c.parent, child: c.child, callCount: c.calls })),
    );
  });

  it('takes tags as repeated tag=key:value pairs too, and names `tag` when one has no colon', async () => {
    const query = new URLSearchParams({
      service: 'checkout',
      start: String(T0 * 1000),
      end: String((T0 + 3_600_000) * 1000),
      limit: '100',
    });
    query.append('tag', 'http.method:POST');
    const found = await grafana<Envelope<JaegerTrace>>(`/api/traces?${query}`);
    expect(found.status).toBe(200);
    const expectedIds = new Set(
      spans
        .filter((s) => s.service === 'checkout' && s.attributes['http.method'] === 'POST')
        .map((s) => s.traceId),
    );
    expect(expectedIds.size).toBeGreaterThan(0);
    expect(new Set(found.body.data.map((t) => t.traceID))).toEqual(expectedIds);
    const bad = await grafana<{ error: { code: string; field: string } }>('/api/traces?tag=nocolon');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'VTG_TRACE_INVALID_TAG', field: 'tag' });
  });

  it('gives each instance of a service a process of its own, tagged with its resource attributes', async () => {
    // Two instances of each service in one trace: the resource says which (service.instance.id).
    const trace = makeTrace({ traceIndex: 0, startMs: T0, spans: 8, seed: 5 }).map((s, i): Span => ({
      ...s,
      attributes: {
        ...s.attributes,
        'service.instance.id': `i-${i % 2}`,
        'telemetry.sdk.language': 'nodejs',
        'process.pid': 100 + (i % 2),
      },
    }));
    await traces.writeSpans(trace);
    const id = trace[0]!.traceId;
    const opened = await grafana<Envelope<JaegerTrace>>(`/api/traces/${id}`);
    const got = opened.body.data[0]!;
    const instances = new Set(trace.map((s) => `${s.service} ${s.attributes['service.instance.id']}`));
    expect(Object.keys(got.processes)).toHaveLength(instances.size);
    for (const [i, s] of trace.entries()) {
      const j = got.spans.find((x) => x.spanID === s.spanId)!;
      expect(got.processes[j.processID]).toEqual({
        serviceName: s.service,
        tags: [
          { key: 'host.name', type: 'string', value: s.attributes['host.name'] },
          { key: 'process.pid', type: 'int64', value: 100 + (i % 2) },
          { key: 'service.instance.id', type: 'string', value: `i-${i % 2}` },
          { key: 'telemetry.sdk.language', type: 'string', value: 'nodejs' },
        ],
      });
      expect(j.tags.some((t) => t.key.startsWith('service.') || t.key.startsWith('process.'))).toBe(false);
    }
  });

  it('pads short ids, answers 404 with a code for unknown ones, refuses bad input', async () => {
    const unknown = await grafana<{ error: { code: string } }>('/api/traces/abc');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('VTG_TRACE_NOT_FOUND');
    const badTags = await grafana<{ error: { code: string } }>('/api/traces?tags=%5B1%5D');
    expect(badTags.body.error.code).toBe('VTG_TRACE_INVALID_TAG');
    const badDuration = await grafana<{ error: { code: string; field: string } }>(
      '/api/traces?minDuration=fast',
    );
    expect(badDuration.body.error).toMatchObject({
      code: 'VTG_TRACE_INVALID_DURATION',
      field: 'minDuration',
    });
  });

  it('reads Go durations', () => {
    expect(parseGoDuration('1.5s', 'f')).toBe(1500);
    expect(parseGoDuration('1m30s', 'f')).toBe(90_000);
    expect(parseGoDuration('250us', 'f')).toBe(0.25);
  });
});
