import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { AggregateBatch } from '../../core/index.js';
import { RecordingProducer } from '../../../test/support/recording-producer.js';
import { ApiKeyVerifier } from '../../http/index.js';
import { TEST_HTTP_SETTINGS } from '../../../test/support/http-settings.js';
import {
  encodeRequestV2,
  encodeWriteRequestV1,
  RW2_CONTENT_TYPE,
  snappy,
} from '../../../test/support/remote-write-encoder.js';
import { ActiveSeriesTracker } from '../active-series.js';
import { BatchPublisher } from '../batch-publisher.js';
import { createCollectorMetrics } from '../collector-metrics.js';
import { buildCollectorServer } from '../collector-server.js';
import { SampleValidator } from '../sample-validator.js';

const NOW = Date.UTC(2026, 10, 27, 12, 0, 30);
const MINUTE = Date.UTC(2026, 10, 27, 12, 0, 0);

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** The real collector server and PointIngest over a bus that records what it is given. */
async function collector(
  perMetric = 1e6,
): Promise<{ app: FastifyInstance; bus: RecordingProducer; registry: Registry }> {
  const registry = new Registry();
  const metrics = createCollectorMetrics(registry);
  const bus = new RecordingProducer();
  const limits = { maxTags: 8, maxBatchSize: 100, maxSampleAgeMs: 3_600_000, maxFutureSkewMs: 600_000 };
  app = await buildCollectorServer({
    logger: pino({ level: 'silent' }),
    registry,
    metrics,
    validator: new SampleValidator(limits),
    activeSeries: new ActiveSeriesTracker({ perMetric, perService: 1e6, total: 1e6, windowMs: 3_600_000 }),
    limits,
    publisher: new BatchPublisher(bus, { maxPendingSamples: 10_000, timeoutMs: 1_000 }, metrics, 'test'),
    apiKeys: new ApiKeyVerifier([]),
    rateLimitPerMinute: 1_000,
    maxBodyBytes: 64 * 1024,
    readiness: {},
    http: TEST_HTTP_SETTINGS,
    clock: () => NOW,
  });
  return { app, bus, registry };
}

function post(a: FastifyInstance, body: Uint8Array, contentType = 'application/x-protobuf') {
  return a.inject({
    method: 'POST',
    url: '/api/v1/write',
    payload: Buffer.from(snappy(body)),
    headers: { 'content-type': contentType, 'content-encoding': 'snappy' },
  });
}

describe('remote_write through the collector', () => {
  it('publishes gauges as minute aggregates and counters as running totals for the worker', async () => {
    const { app: a, bus, registry } = await collector();
    const res = await post(
      a,
      encodeWriteRequestV1([
        {
          labels: [
            ['__name__', 'http_requests_total'],
            ['instance', 'web-1'],
            ['job', 'shop'],
          ],
          samples: [
            { value: 100, timestamp: NOW - 20_000 },
            { value: 130, timestamp: NOW - 5_000 },
          ],
        },
        {
          labels: [
            ['__name__', 'queue_depth'],
            ['job', 'shop'],
          ],
          samples: [
            { value: 4, timestamp: NOW - 20_000 },
            { value: 6, timestamp: NOW - 5_000 },
          ],
        },
      ]),
    );
    expect(res.statusCode).toBe(204);
    const batch = bus.batches[0] as AggregateBatch;
    expect(batch.samples).toBe(4);
    expect(batch.aggregates).toEqual([
      expect.objectContaining({
        service: 'shop',
        name: 'queue_depth',
        type: 'gauge',
        start: MINUTE,
        count: 2,
        sum: 10,
      }),
    ]);
    expect(batch.cumulatives).toEqual([
      expect.objectContaining({
        service: 'shop',
        name: 'http_requests_total',
        start: MINUTE,
        points: 2,
        increase: expect.objectContaining({ total: 30 }),
      }),
    ]);
    const text = await registry.metrics();
    expect(text).toMatch(/vantage_collector_requests_total\{status="204"\} 1/);
    expect(text).toMatch(/vantage_collector_samples_total\{outcome="accepted"\} 4/);
  });

  it('answers 400 for a partial write (a sample too old), having published the rest, and counts the refusal', async () => {
    const { app: a, bus, registry } = await collector();
    const res = await post(
      a,
      encodeRequestV2([
        {
          labels: [['__name__', 'temp']],
          type: 2,
          samples: [
            { value: 1, timestamp: NOW - 2 * 3_600_000 },
            { value: 2, timestamp: NOW - 1_000 },
          ],
        },
      ]),
      RW2_CONTENT_TYPE,
    );
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('VTG_REMOTE_WRITE_PARTIAL_WRITE');
    expect(res.json().rejected[0]).toMatchObject({
      code: 'VTG_INGEST_TIMESTAMP_TOO_OLD',
      field: 'timeseries[0]',
    });
    expect(res.headers['x-prometheus-remote-write-samples-written']).toBe('1');
    expect(bus.batches[0]?.aggregates[0]).toMatchObject({ name: 'temp', count: 1, sum: 2 });
    expect(await registry.metrics()).toMatch(
      /vantage_collector_errors_total\{code="VTG_INGEST_TIMESTAMP_TOO_OLD"\} 1/,
    );
  });

  it('refuses new series past the series limit with its code when nothing could be written', async () => {
    const { app: a, bus } = await collector(1);
    const one = (host: string) =>
      encodeWriteRequestV1([
        {
          labels: [
            ['__name__', 'up'],
            ['host', host],
          ],
          samples: [{ value: 1, timestamp: NOW }],
        },
      ]);
    expect((await post(a, one('a'))).statusCode).toBe(204);
    const refused = await post(a, one('b'));
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error.code).toBe('VTG_INGEST_SERIES_LIMIT');
    expect(bus.batches).toHaveLength(1);
  });

  it('leaves the JSON route as it was: protobuf there is still a 415', async () => {
    const { app: a } = await collector();
    const res = await a.inject({
      method: 'POST',
      url: '/v1/metrics',
      payload: Buffer.from([1, 2, 3]),
      headers: { 'content-type': 'application/x-protobuf' },
    });
    expect(res.statusCode).toBe(415);
  });
});
