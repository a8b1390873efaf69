import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { VantageConfig } from '../config/index.js';
import type { BusBacklog, BusProducer } from '../bus/index.js';
import {
  ActiveSeriesTracker,
  BatchPublisher,
  PipelineProgress,
  SampleValidator,
  OtlpReceivers,
  buildCollectorServer,
  createCollectorIngest,
  createCollectorMetrics,
  publisherOptions,
  requestBounds,
  otlpPorts,
  seriesLimits,
  validationLimits,
} from '../ingest/index.js';
import { httpServerSettings } from '../http/index.js';
import type { ReadinessCheck } from '../http/index.js';
import { createRoleRegistry } from '../telemetry/index.js';
import type { ProcessAuth } from './process-auth.js';

/**
 * The collector's HTTP server, its OTLP servers and publisher on a bus, as embedded and
 * distributed modes build it.
 */
export interface CollectorApp {
  readonly app: FastifyInstance;
  /** OTLP/HTTP and OTLP/gRPC, sharing the collector's guard and pipeline; listened on beside `app`. */
  readonly otlp: OtlpReceivers;
  readonly publisher: BatchPublisher;
}

export async function buildCollectorApp(
  config: Pick<
    VantageConfig,
    | 'bufferMaxSamples'
    | 'bufferTimeout'
    | 'maxTags'
    | 'maxBatchSize'
    | 'maxSampleAge'
    | 'maxFutureSkew'
    | 'rateLimitPerMinute'
    | 'maxBodyBytes'
    | 'httpHeadersTimeout'
    | 'httpRequestTimeout'
    | 'httpKeepAliveTimeout'
    | 'shutdownGrace'
    | 'stallAfter'
    | 'maxSeriesPerMetric'
    | 'maxSeriesPerService'
    | 'maxActiveSeries'
    | 'activeSeriesWindow'
    | 'otlpHttpPort'
    | 'otlpGrpcPort'
  >,
  producer: BusProducer,
  busName: 'embedded' | 'kafka',
  logger: Logger,
  readiness: Record<string, ReadinessCheck>,
  auth: ProcessAuth,
  /** Where the workers stand on this bus; closed with the collector's server. */
  backlog: BusBacklog,
): Promise<CollectorApp> {
  const registry = createRoleRegistry('collector', { processMetrics: true });
  const metrics = createCollectorMetrics(registry);
  const publisher = new BatchPublisher(producer, publisherOptions(config), metrics, busName);
  const limits = validationLimits(config);
  const activeSeries = new ActiveSeriesTracker(seriesLimits(config));
  const apiKeys = auth.apiKeys(registry);
  const ingest = createCollectorIngest({
    apiKeys,
    rateLimitPerMinute: config.rateLimitPerMinute,
    limits,
    activeSeries,
    publisher,
    metrics,
  });
  const app = await buildCollectorServer({
    logger,
    registry,
    metrics,
    validator: new SampleValidator(limits),
    activeSeries,
    limits,
    publisher,
    ingest,
    apiKeys,
    metricsAuth: auth.metrics(registry),
    ...requestBounds(config),
    readiness,
    http: httpServerSettings(config),
    progress: new PipelineProgress({
      backlog,
      stallAfterMs: config.stallAfter,
      registry,
      logger: logger.child({ component: 'pipeline-progress' }),
    }),
  });
  const otlp = await OtlpReceivers.build({
    logger,
    registry,
    metrics,
    ingest,
    ports: otlpPorts(config),
    maxBodyBytes: config.maxBodyBytes,
    http: httpServerSettings(config),
  });
  return { app, otlp, publisher };
}
