import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { SEED_BACKOFF } from '../core/index.js';
import type { TierRetention } from '../core/index.js';
import type { VantageConfig } from '../config/index.js';
import { EmbeddedConsumer, EmbeddedProducer, SegmentLog } from '../bus/index.js';
import { SqliteStore } from '../storage/index.js';
import {
  BatchPublisher,
  SampleValidator,
  buildCollectorServer,
  createCollectorMetrics,
} from '../ingest/index.js';
import { PipelineWorker, RetentionJob, createWorkerMetrics } from '../worker/index.js';
import { buildApiServer, createApiMetrics } from '../api/index.js';
import { ApiKeyVerifier, buildMetricsServer } from '../http/index.js';
import { createRoleRegistry } from '../telemetry/index.js';

/** A running embedded Vantage: every role in this process, the bus and the store on local disk. */
export interface EmbeddedVantage {
  readonly ports: { collector: number; api: number; apiMetrics: number; workerMetrics: number };
  /** Drains requests, publishes and writes what is pending, then closes storage. */
  close(): Promise<void>;
}

export function tierRetention(config: VantageConfig): TierRetention {
  return {
    '1m': config.retentionRaw,
    '5m': config.retentionRaw,
    '1h': config.retentionHourly,
    '1d': config.retentionDaily,
  };
}

export async function startEmbedded(config: VantageConfig, logger: Logger): Promise<EmbeddedVantage> {
  await mkdir(config.dataDir, { recursive: true });
  const log = await SegmentLog.open({ dir: join(config.dataDir, 'bus') });
  const store = new SqliteStore({
    path: join(config.dataDir, 'vantage.db'),
    retention: tierRetention(config),
  });
  const apiKeys = new ApiKeyVerifier(config.apiKeys);

  const workerRegistry = createRoleRegistry('worker', { processMetrics: false });
  const worker = new PipelineWorker(
    await EmbeddedConsumer.open(log, 'worker'),
    store,
    createWorkerMetrics(workerRegistry),
    logger.child({ component: 'worker' }),
    {
      source: `embedded:${log.id}`,
      busName: 'embedded',
      batchMaxMessages: config.workerBatchMaxMessages,
      lingerMs: config.workerLinger,
      backoff: SEED_BACKOFF,
    },
  );
  await worker.start();
  const retention = new RetentionJob(
    store,
    config.retentionInterval,
    logger.child({ component: 'retention' }),
  );
  retention.start();

  const collectorRegistry = createRoleRegistry('collector', { processMetrics: true });
  const collectorMetrics = createCollectorMetrics(collectorRegistry);
  const publisher = new BatchPublisher(
    new EmbeddedProducer(log),
    { maxPendingSamples: config.bufferMaxSamples, timeoutMs: config.bufferTimeout },
    collectorMetrics,
    'embedded',
  );
  const limits = {
    maxTags: config.maxTags,
    maxBatchSize: config.maxBatchSize,
    maxSampleAgeMs: config.maxSampleAge,
    maxFutureSkewMs: config.maxFutureSkew,
  };
  const workerProblem = (): string | undefined =>
    worker.problem ? `store writes failing: ${worker.problem}` : undefined;
  const collector = await buildCollectorServer({
    logger,
    registry: collectorRegistry,
    metrics: collectorMetrics,
    validator: new SampleValidator(limits),
    limits,
    publisher,
    apiKeys,
    rateLimitPerMinute: config.rateLimitPerMinute,
    maxBodyBytes: config.maxBodyBytes,
    readiness: { bus: () => undefined },
  });
  const apiRegistry = createRoleRegistry('api', { processMetrics: false });
  const api = await buildApiServer({
    logger,
    store,
    metrics: createApiMetrics(apiRegistry),
    apiKeys,
    retention: tierRetention(config),
    maxPointsPerSeries: config.maxPointsPerSeries,
    readiness: { store: workerProblem },
  });

  const servers: FastifyInstance[] = [];
  const listen = async (app: FastifyInstance, port: number): Promise<number> => {
    await app.listen({ host: config.host, port });
    servers.push(app);
    return (app.server.address() as AddressInfo).port;
  };
  const ports = {
    collector: await listen(collector, config.collectorPort),
    api: await listen(api, config.apiPort),
    apiMetrics: await listen(await buildMetricsServer(apiRegistry), config.apiMetricsPort),
    workerMetrics: await listen(await buildMetricsServer(workerRegistry), config.workerMetricsPort),
  };
  logger.info({ ports, dataDir: config.dataDir }, 'embedded Vantage started');

  let closing: Promise<void> | undefined;
  return {
    ports,
    close: () =>
      (closing ??= (async () => {
        await collector.close();
        await publisher.close();
        await worker.stop();
        await retention.stop();
        for (const s of servers) await s.close();
        await store.close();
        await log.close();
        logger.info('embedded Vantage stopped');
      })()),
  };
}
