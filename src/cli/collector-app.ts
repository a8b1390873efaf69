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
  SpanIngest,
  SpanPublisher,
  createSpanIngestMetrics,
  spanPublisherOptions,
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
  /** The spans' publisher, on their own bus; closed after the servers, like `publisher`. */
  readonly spanPublisher: SpanPublisher;
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
    | 'spanBufferMax'
  >,
  producer: BusProducer,
  /** The spans' bus: the embedded spans log, or the Kafka spans topic. */
  spanProducer: BusProducer,
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
  const spanPublisher = new SpanPublisher(
    spanProducer,
    spanPublisherOptions(config),
    metrics,
    `${busName}-spans`,
  );
  const spans = new SpanIngest({
    publisher: spanPublisher,
    points: ingest.points,
    metrics: createSpanIngestMetrics(registry),
    maxSampleAgeMs: limits.maxSampleAgeMs,
    maxFutureSkewMs: limits.maxFutureSkewMs,
    logger: logger.child({ component: 'span-ingest' }),
    countError: (code, n) => metrics.errors.inc({ code }, n),
  });
  const otlp = await OtlpReceivers.build({
    logger,
    registry,
    metrics,
    ingest,
    spans,
    ports: otlpPorts(config),
    maxBodyBytes: config.maxBodyBytes,
    http: httpServerSettings(config),
  });
  return { app, otlp, publisher, spanPublisher };
}
