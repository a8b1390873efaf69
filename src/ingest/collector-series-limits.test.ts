import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { RecordingProducer } from '../../test/support/recording-producer.js';
import { ApiKeyVerifier } from '../http/index.js';
import { ActiveSeriesTracker } from './active-series.js';
import type { SeriesLimits } from './active-series.js';
import { BatchPublisher } from './batch-publisher.js';
import { createCollectorMetrics } from './collector-metrics.js';
import { buildCollectorServer } from './collector-server.js';
import { SampleValidator } from './sample-validator.js';
import { TEST_HTTP_SETTINGS } from '../../test/support/http-settings.js';

const START = Date.UTC(2026, 10, 27, 12, 0, 30);

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

const LIMITS: SeriesLimits = { perMetric: 3, perService: 5, total: 8, windowMs: 3_600_000 };

async function collector(limits = LIMITS) {
  const registry = new Registry();
  const metrics = createCollectorMetrics(registry);
  const bus = new RecordingProducer();
  const clock = { now: START };
  const validation = { maxTags: 4, maxBatchSize: 100, maxSampleAgeMs: 86_400_000, maxFutureSkewMs: 600_000 };
  app = await buildCollectorServer({
    logger: pino({ level: 'silent' }),
    registry,
    metrics,
    validator: new SampleValidator(validation),
    activeSeries: new ActiveSeriesTracker(limits),
    limits: validation,
    publisher: new BatchPublisher(bus, { maxPendingSamples: 1_000, timeoutMs: 1_000 }, metrics, 'test'),
    apiKeys: new ApiKeyVerifier([]),
    rateLimitPerMinute: 100_000,
    maxBodyBytes: 64 * 1024,
    readiness: {},
    http: TEST_HTTP_SETTINGS,
    clock: () => clock.now,
  });
  const send = async (metrics: object[]) => {
    const res = await (app as FastifyInstance).inject({
      method: 'POST',
      url: '/v1/metrics',
      payload: { metrics },
    });
    return {
      status: res.statusCode,
      body: res.json<{
        accepted: number;
        rejected: { index: number; code: string; field: string; message: string }[];
      }>(),
    };
  };
  const metric = async (name: string): Promise<string> =>
    (await registry.getSingleMetricAsString(name)) ?? '';
  return { bus, clock, send, metric };
}

const sample = (service: string, name: string, host: string) => ({
  service,
  name,
  value: 1,
  timestamp: START,
  tags: { host },
});
const hosts = (service: string, name: string, from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => sample(service, name, `h${from + i}`));

describe('series limits on POST /v1/metrics', () => {
  it('refuses, sample by sample, the new series of a metric past its limit and keeps its active ones', async () => {
    const { bus, send, metric } = await collector();
    const first = await send(hosts('checkout', 'latency_ms', 0, 5));
    expect(first.status).toBe(202);
    expect(first.body.accepted).toBe(3);
    expect(first.body.rejected.map((r) => [r.index, r.code, r.field])).toEqual([
      [3, 'VTG_INGEST_SERIES_LIMIT', 'metrics[3].tags'],
      [4, 'VTG_INGEST_SERIES_LIMIT', 'metrics[4].tags'],
    ]);
    expect(first.body.rejected[0]?.message).toContain('checkout/latency_ms has its limit of 3 active series');
    expect(first.body.rejected[0]?.message).toContain('--max-series-per-metric');
    // The series already active still flow; another metric of the service has room of its own.
    const again = await send([...hosts('checkout', 'latency_ms', 0, 3), sample('checkout', 'errors', 'h0')]);
    expect(again).toMatchObject({ status: 202, body: { accepted: 4, rejected: [] } });
    const stored = new Set(bus.batches.flatMap((b) => b.aggregates.map((a) => `${a.name} ${a.tags}`)));
    expect(stored).not.toContain('latency_ms {"host":"h3"}');
    expect(stored.size).toBe(4);
    expect(await metric('vantage_collector_active_series')).toContain('vantage_collector_active_series 4');
    expect(await metric('vantage_collector_series_limit_rejections_total')).toContain(
      'vantage_collector_series_limit_rejections_total{limit="metric"} 2',
    );
  });

  it('names the service limit, then the total one, and answers 400 when every sample is refused', async () => {
    const { send, metric } = await collector();
    await send([...hosts('a', 'm1', 0, 3), ...hosts('a', 'm2', 0, 2)]);
    const service = await send([sample('a', 'm3', 'h0')]);
    expect(service.status).toBe(400);
    expect(service.body.rejected[0]?.message).toContain('a has its limit of 5 active series (service limit');
    await send(hosts('b', 'm1', 0, 3));
    const total = await send([sample('c', 'm1', 'h0')]);
    expect(total.status).toBe(400);
    expect(total.body).toMatchObject({
      error: { code: 'VTG_INGEST_SERIES_LIMIT', field: 'metrics[0].tags' },
    });
    expect(total.body.rejected[0]?.message).toContain(
      'limit of 8 active series (total limit, --max-active-series)',
    );
    const counts = await metric('vantage_collector_series_limit_rejections_total');
    expect(counts).toContain('{limit="service"} 1');
    expect(counts).toContain('{limit="total"} 1');
  });

  it('admits new series again once old ones were silent for the window', async () => {
    const { clock, send, metric } = await collector();
    await send(hosts('checkout', 'latency_ms', 0, 3));
    clock.now += 30 * 60_000;
    // h0 stays active; h1 and h2 fall silent.
    await send([{ ...sample('checkout', 'latency_ms', 'h0'), timestamp: clock.now }]);
    expect((await send([{ ...sample('checkout', 'latency_ms', 'h9'), timestamp: clock.now }])).status).toBe(
      400,
    );
    clock.now += 45 * 60_000;
    const after = await send(
      hosts('checkout', 'latency_ms', 10, 12).map((s) => ({ ...s, timestamp: clock.now })),
    );
    expect(after).toMatchObject({ status: 202, body: { accepted: 2, rejected: [] } });
    expect(await metric('vantage_collector_active_series')).toContain('vantage_collector_active_series 3');
  });
});
