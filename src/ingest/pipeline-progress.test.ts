import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { PartitionPosition } from '../core/index.js';
import type { BusBacklog, BusProducer } from '../bus/index.js';
import { ApiKeyVerifier } from '../http/index.js';
import { BatchPublisher } from './batch-publisher.js';
import { createCollectorMetrics } from './collector-metrics.js';
import { buildCollectorServer } from './collector-server.js';
import { PipelineProgress } from './pipeline-progress.js';
import { SampleValidator } from './sample-validator.js';
import { ActiveSeriesTracker } from './active-series.js';
import { TEST_HTTP_SETTINGS } from '../../test/support/http-settings.js';

const T0 = Date.UTC(2026, 10, 27, 12, 0, 0);

/** A bus whose positions the test sets, and which can be told to fail. */
class SetBacklog implements BusBacklog {
  readonly unit = 'bytes';
  positions_: PartitionPosition[] = [];
  failing = false;
  closed = false;
  /** Partition 0 at `committed`, its end at `end`. */
  set(committed: number, end: number): void {
    this.positions_ = [{ partition: 0, committed, end }];
  }
  async positions(): Promise<PartitionPosition[]> {
    if (this.failing) throw new Error('bus unreachable');
    return this.positions_;
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

const nullProducer: BusProducer = { publish: async () => undefined, close: async () => undefined };

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function collector(stallAfterMs: number) {
  const clock = { now: T0 };
  const registry = new Registry();
  const metrics = createCollectorMetrics(registry);
  const backlog = new SetBacklog();
  // An hour between automatic checks: the test calls check() itself, so nothing runs on its own.
  const progress = new PipelineProgress({
    backlog,
    stallAfterMs,
    registry,
    logger: pino({ level: 'silent' }),
    clock: () => clock.now,
    intervalMs: 3_600_000,
  });
  const limits = { maxTags: 4, maxBatchSize: 100, maxSampleAgeMs: 86_400_000, maxFutureSkewMs: 600_000 };
  app = await buildCollectorServer({
    logger: pino({ level: 'silent' }),
    registry,
    metrics,
    validator: new SampleValidator(limits),
    activeSeries: new ActiveSeriesTracker({
      perMetric: 1_000,
      perService: 1_000,
      total: 1_000,
      windowMs: 3_600_000,
    }),
    limits,
    publisher: new BatchPublisher(
      nullProducer,
      { maxPendingSamples: 100, timeoutMs: 1_000 },
      metrics,
      'test',
    ),
    apiKeys: new ApiKeyVerifier([]),
    rateLimitPerMinute: 1_000,
    maxBodyBytes: 64 * 1024,
    readiness: { bus: () => undefined },
    progress,
    http: TEST_HTTP_SETTINGS,
    clock: () => clock.now,
  });
  await app.ready();
  const server = app;
  const ready = async () => {
    const res = await server.inject({ url: '/ready' });
    return { status: res.statusCode, body: res.json() as Record<string, unknown> };
  };
  const gauge = async (name: string): Promise<number | undefined> => {
    const text = (await server.inject({ url: '/metrics' })).body;
    const line = text.split('\n').find((l) => l.startsWith(`${name} `));
    return line === undefined ? undefined : Number(line.split(' ')[1]);
  };
  return { app: server, clock, backlog, progress, ready, gauge };
}

describe("the collector's /ready and the pipeline's progress", () => {
  it('turns 503 VTG_PIPELINE_STALLED once the workers commit nothing for stallAfter while data waits', async () => {
    const c = await collector(60_000);
    c.backlog.set(1_000, 1_500);
    await c.progress.check();
    expect((await c.ready()).status).toBe(200);
    expect(await c.gauge('vantage_collector_pipeline_stalled_seconds')).toBe(0);
    expect(await c.gauge('vantage_collector_pipeline_backlog_bytes')).toBe(500);

    c.clock.now = T0 + 90_000;
    c.backlog.set(1_000, 2_000);
    await c.progress.check();
    const { status, body } = await c.ready();
    expect(status).toBe(503);
    expect(body).toMatchObject({
      status: 'not ready',
      checks: { bus: 'ok' },
      error: { code: 'VTG_PIPELINE_STALLED' },
      details: {
        pipeline: {
          since: new Date(T0).toISOString(),
          stalledSeconds: 90,
          backlog: 1_000,
          backlogUnit: 'bytes',
          stallAfterSeconds: 60,
          partitions: [0],
        },
      },
    });
    expect((body.error as { message: string }).message).toContain('1000 bytes wait');
    expect(await c.gauge('vantage_collector_pipeline_stalled_seconds')).toBe(90);
    expect(await c.gauge('vantage_collector_pipeline_backlog_bytes')).toBe(1_000);
    // /health says the same, for people.
    expect((await c.app.inject({ url: '/health' })).json()).toMatchObject({
      status: 'degraded',
      error: { code: 'VTG_PIPELINE_STALLED' },
    });
  });

  it('is ready again as soon as the committed position moves', async () => {
    const c = await collector(10_000);
    c.backlog.set(0, 100);
    await c.progress.check();
    c.clock.now = T0 + 20_000;
    await c.progress.check();
    expect((await c.ready()).status).toBe(503);
    c.backlog.set(40, 130);
    await c.progress.check();
    expect((await c.ready()).status).toBe(200);
    expect(await c.gauge('vantage_collector_pipeline_stalled_seconds')).toBe(0);
    expect(await c.gauge('vantage_collector_pipeline_backlog_bytes')).toBe(90);
  });

  it('keeps its last reading when the bus cannot be read, and counts the failure', async () => {
    const c = await collector(10_000);
    c.backlog.set(0, 100);
    await c.progress.check();
    c.backlog.failing = true;
    c.clock.now = T0 + 20_000;
    await c.progress.check();
    expect((await c.ready()).body).toMatchObject({ error: { code: 'VTG_PIPELINE_STALLED' } });
    expect(await c.gauge('vantage_collector_pipeline_backlog_read_failures_total')).toBe(1);
  });

  it('never turns unready with --stall-after 0', async () => {
    const c = await collector(0);
    c.backlog.set(0, 100);
    await c.progress.check();
    c.clock.now = T0 + 86_400_000;
    await c.progress.check();
    expect((await c.ready()).status).toBe(200);
  });

  it('closes the backlog reader with the server', async () => {
    const c = await collector(10_000);
    await c.app.close();
    app = undefined;
    expect(c.backlog.closed).toBe(true);
  });
});
