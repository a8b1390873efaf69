import type { FastifyError, FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { Logger } from 'pino';
import { VantageError } from '../core/index.js';
import { buildHttpServer, healthRoutes, metricsRoutes } from '../http/index.js';
import type { ApiKeyVerifier, HttpServerSettings, ReadinessCheck } from '../http/index.js';
import type { BatchPublisher } from './batch-publisher.js';
import type { CollectorMetrics } from './collector-metrics.js';
import type { PipelineProgress } from './pipeline-progress.js';
import { IngestGuard } from './ingest-guard.js';
import { PipelinePointIngest } from './point-ingest.js';
import type { PointIngest } from './point-ingest.js';
import { ingestRoutes } from './ingest-routes.js';
import { remoteWriteRoutes } from './remote-write/remote-write-routes.js';
import type { SampleValidator, ValidationLimits } from './sample-validator.js';
import type { ActiveSeriesTracker } from './active-series.js';
import { SeriesAdmission } from './series-admission.js';

export interface CollectorServerOptions {
  readonly logger: Logger;
  readonly registry: Registry;
  readonly metrics: CollectorMetrics;
  readonly validator: SampleValidator;
  /** The series limits; every request's new series are counted against them. */
  readonly activeSeries: ActiveSeriesTracker;
  readonly limits: ValidationLimits;
  readonly publisher: BatchPublisher;
  readonly apiKeys: ApiKeyVerifier;
  /** Guards /metrics: the scrape token, or the API keys; absent or empty, /metrics is open. */
  readonly metricsAuth?: ApiKeyVerifier;
  readonly rateLimitPerMinute: number;
  readonly maxBodyBytes: number;
  readonly readiness: Record<string, ReadinessCheck>;
  /** Timeouts and the shutdown grace. */
  readonly http: HttpServerSettings;
  /** The workers' progress on the bus: read from `ready` on, a `pipeline` check of /ready, closed with the server. */
  readonly progress?: PipelineProgress;
  readonly clock?: () => number;
  /**
   * The checks and the pipeline every protocol shares (createCollectorIngest); given when other
   * servers of the collector (OTLP's ports) share them, else built here.
   */
  readonly ingest?: CollectorIngest;
}

/** What every way into one collector shares: one guard (keys, rate limits), one point pipeline. */
export interface CollectorIngest {
  readonly guard: IngestGuard;
  readonly points: PointIngest;
}

export function createCollectorIngest(
  options: Pick<
    CollectorServerOptions,
    'apiKeys' | 'rateLimitPerMinute' | 'clock' | 'limits' | 'activeSeries' | 'publisher' | 'metrics'
  >,
): CollectorIngest {
  return {
    guard: new IngestGuard({
      apiKeys: options.apiKeys,
      rateLimitPerMinute: options.rateLimitPerMinute,
      clock: options.clock ?? Date.now,
    }),
    points: new PipelinePointIngest({
      limits: options.limits,
      activeSeries: options.activeSeries,
      publisher: options.publisher,
      metrics: options.metrics,
    }),
  };
}

/** The collector's HTTP server: POST /v1/metrics, POST /api/v1/write (remote_write), health, /metrics and the OpenAPI document. */
export async function buildCollectorServer(options: CollectorServerOptions): Promise<FastifyInstance> {
  const clock = options.clock ?? Date.now;
  const app = await buildHttpServer({
    logger: options.logger,
    component: 'collector',
    http: options.http,
    fastify: {
      bodyLimit: options.maxBodyBytes,
      // Plain JSON.parse: the poisoning scan reads every body twice more, and nothing here merges
      // parsed objects into others (the schema refuses __proto__ and constructor as keys).
      onProtoPoisoning: 'ignore',
      onConstructorPoisoning: 'ignore',
    },
    openapi: {
      title: 'Vantage collector',
      description: 'Metric ingestion. See docs/api.md.',
      apiKeyHeader: true,
    },
    mapFrameworkError: mapFrameworkError(options.maxBodyBytes),
    onError: (err) => options.metrics.errors.inc({ code: err.code }),
  });
  // Only JSON is accepted; anything else is a 415.
  app.removeContentTypeParser('text/plain');

  const { metrics } = options;

  app.addHook('onResponse', async (request, reply) => {
    if (request.routeOptions.url !== '/v1/metrics' && request.routeOptions.url !== '/api/v1/write') return;
    const status = String(reply.statusCode);
    metrics.requests.inc({ status });
    metrics.requestDuration.observe({ status }, reply.elapsedTime / 1000);
  });

  const { guard, points } = options.ingest ?? createCollectorIngest(options);
  await app.register(ingestRoutes, {
    metrics,
    validator: options.validator,
    admission: new SeriesAdmission(options.activeSeries, metrics),
    limits: options.limits,
    publisher: options.publisher,
    guard,
    clock,
  });

  await app.register(remoteWriteRoutes, { ingest: points, guard, maxBodyBytes: options.maxBodyBytes, clock });

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  const { progress } = options;
  if (progress) {
    app.addHook('onReady', async () => progress.start());
    app.addHook('onClose', async () => progress.close());
  }
  await app.register(healthRoutes, {
    role: 'collector',
    checks: progress ? { ...options.readiness, pipeline: progress.readiness } : options.readiness,
  });
  await app.register(metricsRoutes, { registry: options.registry, auth: options.metricsAuth });
  return app;
}

function mapFrameworkError(maxBodyBytes: number) {
  return (err: FastifyError): VantageError | undefined => {
    switch (err.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return new VantageError('VTG_INGEST_PAYLOAD_TOO_LARGE', {
          params: { limit: maxBodyBytes },
          cause: err,
        });
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return new VantageError('VTG_INGEST_UNSUPPORTED_MEDIA_TYPE', { field: 'content-type', cause: err });
      case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
        return new VantageError('VTG_INGEST_MALFORMED_BODY', {
          params: { reason: 'Content-Length does not match the body' },
          cause: err,
        });
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
        return new VantageError('VTG_INGEST_MALFORMED_BODY', { params: { reason: err.message }, cause: err });
      default: {
        // Bad gzip, or any other client-side parse failure the framework reports as a 400.
        const malformed =
          err instanceof SyntaxError ||
          err.code === 'Z_DATA_ERROR' ||
          err.code === 'Z_BUF_ERROR' ||
          err.statusCode === 400;
        return malformed
          ? new VantageError('VTG_INGEST_MALFORMED_BODY', { params: { reason: err.message }, cause: err })
          : undefined;
      }
    }
  };
}
