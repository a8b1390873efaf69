import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { decodeAggregateBatch } from '../core/index.js';
import type { AggregateBatch } from '../core/index.js';
import type { BusProducer } from '../bus/index.js';
import { ApiKeyVerifier } from '../http/index.js';
import type { HttpServerSettings } from '../http/index.js';
import { BatchPublisher } from './batch-publisher.js';
import { createCollectorMetrics } from './collector-metrics.js';
import { buildCollectorServer } from './collector-server.js';
import { SampleValidator } from './sample-validator.js';
import { TEST_HTTP_SETTINGS } from '../../test/support/http-settings.js';
import { answerUntilClosed, openSocket } from '../../test/support/raw-http.js';
import { ActiveSeriesTracker } from './active-series.js';

const NOW = Date.UTC(2026, 10, 27, 12, 0, 30);
const KEY = 'collector-test-key-long-enough-for-start-up';
const OTHER_KEY = 'collector-test-key-the-other-one-0123456789';

/** A bus that keeps what it is given, and can be told to fail or to hold acknowledgements. */
class RecordingProducer implements BusProducer {
  readonly batches: AggregateBatch[] = [];
  fail = false;
  async publish(payload: Buffer): Promise<void> {
    if (this.fail) throw new Error('bus down');
    this.batches.push(decodeAggregateBatch(payload));
  }
  async close(): Promise<void> {}
}

interface Setup {
  apiKeys?: string[];
  rateLimitPerMinute?: number;
  maxBodyBytes?: number;
  maxPendingSamples?: number;
  http?: Partial<HttpServerSettings>;
}

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function collector(
  setup: Setup = {},
): Promise<{ app: FastifyInstance; bus: RecordingProducer; registry: Registry }> {
  const registry = new Registry();
  const metrics = createCollectorMetrics(registry);
  const bus = new RecordingProducer();
  const limits = { maxTags: 4, maxBatchSize: 100, maxSampleAgeMs: 86_400_000, maxFutureSkewMs: 600_000 };
  app = await buildCollectorServer({
    logger: pino({ level: 'silent' }),
    registry,
    metrics,
    validator: new SampleValidator(limits),
    activeSeries: new ActiveSeriesTracker({
      perMetric: 1e6,
      perService: 1e6,
      total: 1e6,
      windowMs: 3_600_000,
    }),
    limits,
    publisher: new BatchPublisher(
      bus,
      { maxPendingSamples: setup.maxPendingSamples ?? 1_000, timeoutMs: 1_000 },
      metrics,
      'test',
    ),
    apiKeys: new ApiKeyVerifier(setup.apiKeys ?? []),
    rateLimitPerMinute: setup.rateLimitPerMinute ?? 1_000,
    maxBodyBytes: setup.maxBodyBytes ?? 64 * 1024,
    readiness: {},
    http: { ...TEST_HTTP_SETTINGS, ...setup.http },
    clock: () => NOW,
  });
  return { app, bus, registry };
}

const metric = (over: Record<string, unknown> = {}) => ({
  service: 'checkout',
  name: 'latency_ms',
  value: 10,
  timestamp: NOW,
  tags: { route: '/pay' },
  ...over,
});

describe('POST /v1/metrics', () => {
  it('answers 202 with the count once the batch is on the bus, pre-aggregated by minute', async () => {
    const { app, bus } = await collector();
    const res = await app.inject({
      method: 'POST',
      url: '/v1/metrics',
      payload: {
        metrics: [metric({ value: 10 }), metric({ value: 30 }), metric({ tags: { route: '/cart' } })],
      },
    });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ accepted: 3, rejected: [] });
    const aggregates = bus.batches.flatMap((b) => b.aggregates);
    expect(aggregates).toHaveLength(2);
    const pay = aggregates.find((a) => a.tags === '{"route":"/pay"}');
    expect(pay).toMatchObject({
      count: 2,
      sum: 40,
      min: 10,
      max: 30,
      start: Date.UTC(2026, 10, 27, 12, 0, 0),
    });
  });

  it('accepts gzip bodies and RFC 3339 timestamps', async () => {
    const { app, bus } = await collector();
    const body = gzipSync(
      JSON.stringify({ metrics: [metric({ timestamp: '2026-11-27T12:00:10Z', type: 'counter', value: 5 })] }),
    );
    const res = await app.inject({
      method: 'POST',
      url: '/v1/metrics',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      payload: body,
    });
    expect(res.statusCode).toBe(202);
    expect(bus.batches[0]?.aggregates[0]).toMatchObject({ type: 'counter', sum: 5, sketch: null });
  });

  it('lists each rejected metric of a mixed batch with its code and field', async () => {
    const { app, bus } = await collector();
    const res = await app.inject({
      method: 'POST',
      url: '/v1/metrics',
      payload: {
        metrics: [
          metric(),
          metric({ value: 'x' }),
          metric({ tags: { a: '1', b: '2', c: '3', d: '4', e: '5' } }),
          metric({ name: 'n'.repeat(300) }),
          metric({ tags: { route: 'v'.repeat(300) } }),
          metric({ timestamp: NOW - 2 * 86_400_000 }),
          metric({ timestamp: NOW + 3_600_000 }),
          metric({ timestamp: 'yesterday' }),
          metric({ tags: { 'bad key': 'x' } }),
          metric({ extra: 1 }),
        ],
      },
    });
    expect(res.statusCode).toBe(202);
    const body = res.json() as {
      accepted: number;
      rejected: { index: number; code: string; field: string }[];
    };
    expect(body.accepted).toBe(1);
    expect(body.rejected.map((r) => [r.index, r.code, r.field])).toEqual([
      [1, 'VTG_INGEST_INVALID_SAMPLE', 'metrics[1].value'],
      [2, 'VTG_INGEST_TOO_MANY_TAGS', 'metrics[2].tags'],
      [3, 'VTG_INGEST_NAME_TOO_LONG', 'metrics[3].name'],
      [4, 'VTG_INGEST_VALUE_TOO_LONG', 'metrics[4].tags.route'],
      [5, 'VTG_INGEST_TIMESTAMP_TOO_OLD', 'metrics[5].timestamp'],
      [6, 'VTG_INGEST_TIMESTAMP_IN_FUTURE', 'metrics[6].timestamp'],
      [7, 'VTG_INGEST_TIMESTAMP_INVALID', 'metrics[7].timestamp'],
      [8, 'VTG_INGEST_INVALID_SAMPLE', 'metrics[8].tags.bad key'],
      [9, 'VTG_INGEST_INVALID_SAMPLE', 'metrics[9].extra'],
    ]);
    expect(bus.batches.flatMap((b) => b.aggregates).reduce((n, a) => n + a.count, 0)).toBe(1);
  });

  it('refuses prototype keys as tag keys', async () => {
    const { app } = await collector();
    const res = await app.inject({
      method: 'POST',
      url: '/v1/metrics',
      headers: { 'content-type': 'application/json' },
      payload:
        '{"metrics":[{"service":"a","name":"b","value":1,"tags":{"__proto__":"x"}},{"service":"a","name":"b","value":1,"tags":{"constructor":"y"}}]}',
    });
    expect(res.statusCode).toBe(400);
    const body = res.json() as { rejected: { field: string }[] };
    expect(body.rejected.map((r) => r.field)).toEqual([
      'metrics[0].tags.__proto__',
      'metrics[1].tags.constructor',
    ]);
  });

  it('refuses a batch with no valid metric with 400, naming the field', async () => {
    const { app, bus } = await collector();
    // 1e999 parses to Infinity.
    const res = await app.inject({
      method: 'POST',
      url: '/v1/metrics',
      headers: { 'content-type': 'application/json' },
      payload: `{"metrics":[{"service":"a","name":"b","value":1e999}]}`,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({
      error: { code: 'VTG_INGEST_NON_FINITE_VALUE', field: 'metrics[0].value' },
    });
    expect(bus.batches).toHaveLength(0);
  });

  it('refuses bad gzip under another content type with 415 and stays up (it once ended the process)', async () => {
    const { app } = await collector();
    const uncaught: Error[] = [];
    const listener = (err: Error): void => void uncaught.push(err);
    process.on('uncaughtException', listener);
    try {
      const res = await app.inject({
        method: 'POST',
        url: '/v1/metrics',
        headers: { 'content-type': 'text/plain', 'content-encoding': 'gzip' },
        payload: Buffer.from('garbage, not gzip'),
      });
      expect(res.statusCode).toBe(415);
      await new Promise((r) => setImmediate(r));
      expect(uncaught).toEqual([]);
      expect((await app.inject({ url: '/health' })).statusCode).toBe(200);
    } finally {
      process.off('uncaughtException', listener);
    }
  });

  it('refuses values beyond ±1e291 per sample, so that no sum can overflow, and keeps the rest', async () => {
    const { app, bus } = await collector();
    // The request that once stopped the pipeline: sums of ±1e308 overflow to ±Infinity, and their
    // rollup to NaN.
    const t = NOW - 60_000;
    const values = [1e308, 1e308, -1e308, -1e308, 1e292, 1e291, -1e291, 5e-324, -0];
    const res = await app.inject({
      method: 'POST',
      url: '/v1/metrics',
      payload: { metrics: values.map((value) => ({ service: 'p', name: 'm', value, timestamp: t })) },
    });
    expect(res.statusCode).toBe(202);
    const body = res.json<{ accepted: number; rejected: { index: number; code: string; field: string }[] }>();
    expect(body.accepted).toBe(4);
    expect(body.rejected.map((r) => [r.index, r.code, r.field])).toEqual(
      [0, 1, 2, 3, 4].map((i) => [i, 'VTG_INGEST_VALUE_OUT_OF_RANGE', `metrics[${i}].value`]),
    );
    const stored = bus.batches.flatMap((b) => b.aggregates);
    expect(stored.reduce((n, a) => n + a.count, 0)).toBe(4);
    expect(stored.every((a) => Number.isFinite(a.sum))).toBe(true);
  });

  it.each([
    [
      'malformed JSON',
      { 'content-type': 'application/json' },
      '{"metrics": [',
      400,
      'VTG_INGEST_MALFORMED_BODY',
    ],
    [
      'wrong content type',
      { 'content-type': 'text/plain' },
      'hello',
      415,
      'VTG_INGEST_UNSUPPORTED_MEDIA_TYPE',
    ],
    [
      'unknown encoding',
      { 'content-type': 'application/json', 'content-encoding': 'br' },
      '{}',
      415,
      'VTG_INGEST_UNSUPPORTED_ENCODING',
    ],
    [
      'bad gzip',
      { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      'not gzip',
      400,
      'VTG_INGEST_MALFORMED_BODY',
    ],
    [
      'no metrics array',
      { 'content-type': 'application/json' },
      '{"metric": []}',
      400,
      'VTG_INGEST_INVALID_ENVELOPE',
    ],
  ])('%s gets a coded 4xx', async (_what, headers, payload, status, code) => {
    const { app } = await collector();
    const res = await app.inject({ method: 'POST', url: '/v1/metrics', headers, payload });
    expect(res.statusCode).toBe(status);
    expect(res.json()).toMatchObject({ error: { code } });
  });

  it('answers 413 to a body over the limit, and to a gzip bomb that inflates past it', async () => {
    const { app } = await collector({ maxBodyBytes: 100_000 });
    const big = JSON.stringify({ metrics: [metric({ name: 'x'.repeat(200_000) })] });
    const plain = await app.inject({
      method: 'POST',
      url: '/v1/metrics',
      headers: { 'content-type': 'application/json' },
      payload: big,
    });
    expect(plain.statusCode).toBe(413);
    expect(plain.json()).toMatchObject({ error: { code: 'VTG_INGEST_PAYLOAD_TOO_LARGE' } });
    const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024, 0x20));
    // Deflate tops out near 1000:1: 50 MiB of spaces is about 50 KB on the wire, under the limit.
    expect(bomb.length).toBeLessThan(100_000);
    const res = await app.inject({
      method: 'POST',
      url: '/v1/metrics',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      payload: bomb,
    });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ error: { code: 'VTG_INGEST_PAYLOAD_TOO_LARGE' } });
  });

  it('answers 413 to more metrics than a request may carry', async () => {
    const { app } = await collector();
    const res = await app.inject({
      method: 'POST',
      url: '/v1/metrics',
      payload: { metrics: Array.from({ length: 101 }, () => metric()) },
    });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ error: { code: 'VTG_INGEST_BATCH_TOO_LARGE', field: 'metrics' } });
  });

  it('requires a valid API key when keys are configured, by Bearer or X-API-Key', async () => {
    const { app } = await collector({ apiKeys: [KEY, OTHER_KEY] });
    const payload = { metrics: [metric()] };
    const none = await app.inject({ method: 'POST', url: '/v1/metrics', payload });
    expect(none.statusCode).toBe(401);
    expect(none.json()).toMatchObject({ error: { code: 'VTG_AUTH_MISSING_KEY' } });
    const wrong = await app.inject({
      method: 'POST',
      url: '/v1/metrics',
      payload,
      headers: { authorization: 'Bearer nope' },
    });
    expect(wrong.json()).toMatchObject({ error: { code: 'VTG_AUTH_INVALID_KEY' } });
    const bearer = await app.inject({
      method: 'POST',
      url: '/v1/metrics',
      payload,
      headers: { authorization: `Bearer ${KEY}` },
    });
    expect(bearer.statusCode).toBe(202);
    const header = await app.inject({
      method: 'POST',
      url: '/v1/metrics',
      payload,
      headers: { 'x-api-key': OTHER_KEY },
    });
    expect(header.statusCode).toBe(202);
  });

  it('rate limits per client with 429 and Retry-After', async () => {
    const { app, registry } = await collector({ rateLimitPerMinute: 3 });
    const send = () => app.inject({ method: 'POST', url: '/v1/metrics', payload: { metrics: [metric()] } });
    for (let i = 0; i < 3; i++) expect((await send()).statusCode).toBe(202);
    const limited = await send();
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ error: { code: 'VTG_RATE_LIMITED' } });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(await registry.getSingleMetricAsString('vantage_collector_requests_total')).toContain(
      'status="429"} 1',
    );
  });

  it('answers 503 with Retry-After when the bus does not take the batch, and keeps serving', async () => {
    const { app, bus } = await collector();
    bus.fail = true;
    const res = await app.inject({ method: 'POST', url: '/v1/metrics', payload: { metrics: [metric()] } });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ error: { code: 'VTG_INGEST_BUS_UNAVAILABLE' } });
    expect(res.headers['retry-after']).toBe('1');
    bus.fail = false;
    expect(
      (await app.inject({ method: 'POST', url: '/v1/metrics', payload: { metrics: [metric()] } })).statusCode,
    ).toBe(202);
  });

  it('answers 503 when more samples wait than the buffer holds', async () => {
    const { app } = await collector({ maxPendingSamples: 2 });
    const res = await app.inject({
      method: 'POST',
      url: '/v1/metrics',
      payload: { metrics: [metric(), metric(), metric()] },
    });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ error: { code: 'VTG_INGEST_OVERLOADED' } });
  });

  it('serves health, Prometheus metrics with the seed names, and an OpenAPI document', async () => {
    const { app } = await collector();
    await app.inject({ method: 'POST', url: '/v1/metrics', payload: { metrics: [metric()] } });
    for (const url of ['/health', '/ready', '/live'])
      expect((await app.inject({ url })).statusCode).toBe(200);
    const prom = (await app.inject({ url: '/metrics' })).body;
    for (const name of [
      'vantage_collector_requests_total',
      'vantage_collector_request_duration_seconds',
      'vantage_collector_errors_total',
      'vantage_collector_kafka_publish_duration_seconds',
      'vantage_collector_buffer_samples',
    ]) {
      expect(prom).toContain(name);
    }
    const spec = (await app.inject({ url: '/openapi.json' })).json() as {
      openapi: string;
      paths: Record<string, unknown>;
    };
    expect(spec.openapi).toMatch(/^3\./);
    expect(Object.keys(spec.paths)).toContain('/v1/metrics');
  });

  it('answers unknown routes with a coded 404', async () => {
    const { app } = await collector();
    const res = await app.inject({ url: '/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error: { code: 'VTG_HTTP_NOT_FOUND' } });
  });

  it('answers a body that trickles in with a coded 408 after the request timeout, nothing published', async () => {
    const { app: server, bus } = await collector({ http: { headersTimeoutMs: 300, requestTimeoutMs: 600 } });
    await server.listen({ host: '127.0.0.1', port: 0 });
    const socket = await openSocket((server.server.address() as AddressInfo).port);
    const answer = answerUntilClosed(socket);
    socket.write(
      'POST /v1/metrics HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{"metrics": [',
    );
    const drip = setInterval(() => socket.write(' '), 100);
    const res = await answer.finally(() => clearInterval(drip));
    expect(res.status).toBe(408);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'VTG_HTTP_REQUEST_TIMEOUT' } });
    expect(bus.batches).toEqual([]);
  });
});
