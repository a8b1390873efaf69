import { createServer } from 'node:net';
import pino from 'pino';
import { Registry } from 'prom-client';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PipelineStatusResponse } from '../core/index.js';
import { buildApiServer, createApiMetrics } from '../api/index.js';
import { ApiKeyVerifier, buildMetricsServer } from '../http/index.js';
import { PipelineProgress, createCollectorMetrics } from '../ingest/index.js';
import type { Store } from '../storage/index.js';
import { createRoleRegistry } from '../telemetry/index.js';
import { createConsumerLagGauge, createEmbeddedLogGauges, createWorkerMetrics } from '../worker/index.js';
import { distributedPipeline } from '../api/index.js';
import { TEST_HTTP_SETTINGS } from '../../test/support/http-settings.js';

/**
 * GET /v1/pipeline over real /metrics servers serving the roles' real metric objects, so that a
 * renamed metric shows up here; the stores are fakes of our own interface.
 */
const servers: FastifyInstance[] = [];
const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
const urls: Record<
  'collectorA' | 'collectorB' | 'worker' | 'kafkaWorker' | 'other' | 'guardedWorker',
  string
> = {
  guardedWorker: '',
  collectorA: '',
  collectorB: '',
  worker: '',
  kafkaWorker: '',
  other: '',
};

const SCRAPE_TOKEN = 'scrape-token-for-the-pipeline-test-0123456789';

async function serve(registry: Registry, auth?: ApiKeyVerifier): Promise<string> {
  const app = await buildMetricsServer(registry, TEST_HTTP_SETTINGS, auth ? { auth } : {});
  await app.listen({ host: '127.0.0.1', port: 0 });
  servers.push(app);
  const address = app.server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/metrics`;
}

/** A port that was free a moment ago: nothing listens on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === 'object' && address ? address.port : 0;
}

function fakeStore(stats: Store['stats']): Store {
  const unused = async (): Promise<never> => {
    throw new Error('unused');
  };
  return {
    kind: 'fake',
    stats,
    write: unused,
    deadLetters: unused,
    exemplars: unused,
    checkpoints: unused,
    services: unused,
    metrics: unused,
    queryBuckets: unused,
    queryVql: unused,
    applyRetention: unused,
    close: async () => undefined,
  };
}

async function pipeline(
  targets: string[],
  stats: Store['stats'] = async () => ({ series: 12, bytesOnDisk: 4096 }),
  bus: 'embedded' | 'kafka' = 'embedded',
  credential?: string,
): Promise<PipelineStatusResponse> {
  const api = await buildApiServer({
    logger: pino({ level: 'silent' }),
    store: fakeStore(stats),
    metrics: createApiMetrics(new Registry()),
    apiKeys: new ApiKeyVerifier([]),
    retention: { '1m': 1e12, '5m': 1e12, '1h': 1e12, '1d': 1e12 },
    maxPointsPerSeries: 100,
    readiness: {},
    http: TEST_HTTP_SETTINGS,
    pipeline: {
      ...distributedPipeline({ pipelineMetricsUrls: targets }, credential),
      bus,
      scrapeTimeoutMs: 500,
    },
  });
  try {
    const res = await api.inject({ method: 'GET', url: '/v1/pipeline' });
    expect(res.statusCode).toBe(200);
    return res.json<PipelineStatusResponse>();
  } finally {
    await api.close();
  }
}

beforeAll(async () => {
  for (const key of ['collectorA', 'collectorB'] as const) {
    const registry = createRoleRegistry('collector', { processMetrics: false });
    const m = createCollectorMetrics(registry);
    m.requests.inc({ status: '202' }, key === 'collectorA' ? 10 : 5);
    m.requests.inc({ status: '429' }, 2);
    m.errors.inc({ code: 'VTG_RATE_LIMITED' }, 2);
    m.samples.inc({ outcome: 'accepted' }, 1000);
    m.samples.inc({ outcome: 'rejected' }, 3);
    for (let i = 0; i < 99; i++) m.publishDuration.observe({ bus: 'embedded' }, 0.002);
    m.publishDuration.observe({ bus: 'embedded' }, 0.4);
    m.bufferSamples.set(key === 'collectorA' ? 7 : 0);
    // A has seen the workers commit nothing for 30 s with 500 bytes waiting; B read a moment
    // later (and saw less waiting), for too short a time to call it a stall.
    const clock = { now: T0 };
    const position = { partition: 0, committed: 1000, end: key === 'collectorA' ? 1500 : 1480 };
    const progress = new PipelineProgress({
      backlog: { unit: 'bytes', positions: async () => [position], close: async () => undefined },
      stallAfterMs: 10_000,
      registry,
      logger: pino({ level: 'silent' }),
      clock: () => clock.now,
    });
    await progress.check();
    clock.now = key === 'collectorA' ? T0 + 30_000 : T0 + 5_000;
    urls[key] = await serve(registry);
  }
  const registry = createRoleRegistry('worker', { processMetrics: false });
  const w = createWorkerMetrics(registry);
  w.batchSize.set(4);
  w.samplesStored.inc(2000);
  w.inserts.inc({ store: 'sqlite', outcome: 'ok' }, 9);
  w.inserts.inc({ store: 'sqlite', outcome: 'retry' }, 1);
  w.writeDuration.observe({ store: 'sqlite' }, 0.01);
  w.writeDuration.observe({ store: 'sqlite' }, 0.03);
  w.breakerState.set(0);
  w.lagSeconds.set(0.75);
  createEmbeddedLogGauges(registry, () => ({ logBytes: 5000, backlogBytes: 120 }));
  urls.worker = await serve(registry);
  urls.guardedWorker = await serve(registry, new ApiKeyVerifier([SCRAPE_TOKEN]));

  const kafkaRegistry = createRoleRegistry('worker', { processMetrics: false });
  createWorkerMetrics(kafkaRegistry).breakerState.set(1);
  createConsumerLagGauge(
    kafkaRegistry,
    async () =>
      new Map([
        [0, 30],
        [1, 12],
      ]),
  );
  urls.kafkaWorker = await serve(kafkaRegistry);

  urls.other = await serve(createRoleRegistry('api', { processMetrics: false }));
});

afterAll(async () => {
  for (const s of servers) await s.close();
});

describe('GET /v1/pipeline', () => {
  it("adds up the collectors' counters and reads the worker, the embedded log and the store", async () => {
    const status = await pipeline([urls.collectorA, urls.collectorB, `worker=${urls.worker}`]);
    expect(status.targets).toEqual([
      { role: 'collector', url: urls.collectorA, up: true, error: null },
      { role: 'collector', url: urls.collectorB, up: true, error: null },
      { role: 'worker', url: urls.worker, up: true, error: null },
    ]);
    expect(status.collector).toMatchObject({
      requests: 19,
      requestsAccepted: 15,
      requestsRejected: 4,
      rateLimited: 4,
      samplesAccepted: 2000,
      samplesRejected: 6,
      publishFailures: 0,
      bufferSamples: 7,
      bufferRejections: 0,
    });
    expect(status.collector.publishSecondsAvg).toBeCloseTo((99 * 0.002 + 0.4) / 100, 6);
    // 198 of 200 observations are in the 2.5 ms bucket; the 99th percentile is inside it.
    expect(status.collector.publishSecondsP99).toBeGreaterThan(0.001);
    expect(status.collector.publishSecondsP99).toBeLessThanOrEqual(0.0025);
    expect(status.bus).toEqual({
      kind: 'embedded',
      logBytes: 5000,
      backlogBytes: 120,
      consumerLagMessages: null,
    });
    expect(status.worker).toEqual({
      batchSize: 4,
      samplesStored: 2000,
      insertsOk: 9,
      insertsRetried: 1,
      insertsFailed: 0,
      decodeFailures: 0,
      deadLetters: 0,
      errors: 1,
      insertSecondsAvg: 0.02,
      circuitBreaker: 'closed',
      lagSeconds: 0.75,
    });
    expect(status.storage).toEqual({ kind: 'fake', series: 12, bytesOnDisk: 4096, error: null });
  });

  it('says the pipeline is stalled when a collector says so, with the worst backlog and since when', async () => {
    const before = Date.now();
    const status = await pipeline([urls.collectorA, urls.collectorB, `worker=${urls.worker}`]);
    const after = Date.now();
    expect(status.stall).toMatchObject({
      stalled: true,
      stalledSeconds: 30,
      backlog: 500,
      backlogUnit: 'bytes',
    });
    const since = Date.parse(status.stall.since ?? '');
    expect(since).toBeGreaterThanOrEqual(before - 30_000);
    expect(since).toBeLessThanOrEqual(after - 30_000);

    const onlyB = await pipeline([urls.collectorB, `worker=${urls.worker}`]);
    expect(onlyB.stall).toEqual({
      stalled: false,
      since: null,
      stalledSeconds: 0,
      backlog: 480,
      backlogUnit: 'bytes',
    });
  });

  it('on Kafka, shows the consumer lag over all partitions and the worst breaker state', async () => {
    const status = await pipeline([urls.worker, urls.kafkaWorker], undefined, 'kafka');
    expect(status.bus).toEqual({
      kind: 'kafka',
      logBytes: null,
      backlogBytes: null,
      consumerLagMessages: 42,
    });
    expect(status.worker.circuitBreaker).toBe('open');
  });

  it('sends its credential to /metrics endpoints that need one (the scrape token or an API key)', async () => {
    const without = await pipeline([`worker=${urls.guardedWorker}`]);
    expect(without.targets[0]).toMatchObject({ up: false, error: 'HTTP 401' });
    const withToken = await pipeline([`worker=${urls.guardedWorker}`], undefined, 'embedded', SCRAPE_TOKEN);
    expect(withToken.targets[0]).toMatchObject({ up: true, error: null });
    expect(withToken.worker.samplesStored).toBe(2000);
  });

  it('says which targets are down and why, and leaves what only they know unknown', async () => {
    const refused = `http://127.0.0.1:${await closedPort()}/metrics`;
    const status = await pipeline(
      [`collector=${refused}`, urls.other, `worker=${urls.worker.replace('/metrics', '/nothing')}`],
      async () => {
        throw new Error('database is locked');
      },
    );
    expect(status.targets[0]).toMatchObject({ role: 'collector', up: false });
    expect(status.targets[0]?.error).toMatch(/ECONNREFUSED/);
    expect(status.targets[1]).toMatchObject({ role: null, up: false });
    expect(status.targets[1]?.error).toMatch(/no role label/);
    expect(status.targets[2]).toEqual({
      role: 'worker',
      url: expect.any(String),
      up: false,
      error: 'HTTP 404',
    });
    expect(Object.values(status.collector).every((v) => v === null)).toBe(true);
    expect(Object.values(status.worker).every((v) => v === null)).toBe(true);
    expect(status.bus).toEqual({
      kind: 'embedded',
      logBytes: null,
      backlogBytes: null,
      consumerLagMessages: null,
    });
    expect(status.stall).toEqual({
      stalled: null,
      since: null,
      stalledSeconds: null,
      backlog: null,
      backlogUnit: 'bytes',
    });
    expect(status.storage).toEqual({
      kind: 'fake',
      series: null,
      bytesOnDisk: null,
      error: 'database is locked',
    });
  });
});
