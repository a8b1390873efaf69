import type { FastifyError, FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { notificationRoutes } from '../alerting/index.js';
import type { NotificationService } from '../alerting/index.js';
import { DEFAULT_HEALTH_METRICS, VantageError } from '../core/index.js';
import type { HealthMetricNames, TierRetention } from '../core/index.js';
import { buildHttpServer, healthRoutes } from '../http/index.js';
import type { ApiKeyVerifier, HttpServerSettings, ReadinessCheck } from '../http/index.js';
import type { Store, TraceStore } from '../storage/index.js';
import { alertingRoutes } from '../alerting/index.js';
import type { AlertingRouteOptions } from '../alerting/index.js';
import type { ApiMetrics } from './api-metrics.js';
import { CachedAnswers } from './cached-answers.js';
import type { QueryCacheOptions } from './cached-answers.js';
import { catalogRoutes } from './catalog-routes.js';
import { compareRoutes } from './compare.js';
import { DASHBOARD_ROUTES, dashboardRoutes } from './dashboard-routes.js';
import { deadLetterRoutes } from './dead-letter-routes.js';
import { exemplarRoutes } from './exemplar-routes.js';
import { healthScoreRoutes } from './health-scores.js';
import { jaegerRoutes } from './jaeger-routes.js';
import { pipelineRoutes } from './pipeline-status.js';
import type { RangeReadOptions, StoreReadOptions } from './route-options.js';
import type { PipelineStatusOptions } from './pipeline-status.js';
import { STREAM_SELF_AUTHENTICATED_PATHS, streamRoutes } from './stream/stream-routes.js';
import type { StreamOptions } from './stream/stream-routes.js';
import { timeseriesRoutes } from './timeseries-routes.js';
import { traceRoutes } from './trace-routes.js';
import { vqlRoutes } from './vql-routes.js';

export interface ApiServerOptions {
  readonly logger: Logger;
  readonly store: Store;
  readonly metrics: ApiMetrics;
  readonly apiKeys: ApiKeyVerifier;
  readonly retention: TierRetention;
  readonly maxPointsPerSeries: number;
  readonly readiness: Record<string, ReadinessCheck>;
  /** Timeouts and the shutdown grace. */
  readonly http: HttpServerSettings;
  readonly clock?: () => number;
  /** The live stream (`GET /v1/stream`); absent: no stream routes. */
  readonly stream?: StreamOptions;
  /** The query cache; absent: every query goes to the store. */
  readonly queryCache?: QueryCacheOptions;
  /** Where the pipeline's metrics are, for `GET /v1/pipeline`; absent: no such route. */
  readonly pipeline?: PipelineStatusOptions;
  /** Metric names health scores read; default DEFAULT_HEALTH_METRICS. */
  readonly healthMetrics?: HealthMetricNames;
  /** The built dashboard (dist/web), served at `/`; absent or not built: no dashboard. */
  readonly dashboardDir?: string;
  /** Silences, notifiers and the record of notifications (`/v1/silences`, ...); absent: no such routes. */
  readonly notifications?: NotificationService;
  /** The ruler, for the rules and alerts routes (docs/alerting.md); absent: no such routes. */
  readonly alerting?: AlertingRouteOptions;
  /** Where spans are; absent: no trace routes (/v1/traces, /v1/service-map, Jaeger's /api). */
  readonly traces?: TraceStore;
}

/** The query API's HTTP server. */
export async function buildApiServer(options: ApiServerOptions): Promise<FastifyInstance> {
  const app = await buildHttpServer({
    logger: options.logger,
    component: 'api',
    http: options.http,
    openapi: {
      title: 'Vantage query API',
      description: 'Services, metrics and time series. See docs/api.md.',
    },
    mapFrameworkError,
  });

  app.addHook('onRequest', async (request) => {
    const open = ['/health', '/ready', '/live', '/openapi.json', ...STREAM_SELF_AUTHENTICATED_PATHS];
    // The dashboard's page and files hold no data; it asks for a key and sends it on API calls.
    const dashboard = DASHBOARD_ROUTES.includes(request.routeOptions.url ?? '');
    if (options.apiKeys.enabled && !dashboard && !open.includes(request.url.split('?')[0] ?? ''))
      options.apiKeys.authenticate(request.headers, request.ip);
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unknown';
    options.metrics.requests.inc({ route, status: String(reply.statusCode) });
    options.metrics.requestDuration.observe({ route }, reply.elapsedTime / 1000);
  });

  // One plugin per route group, each with the options it needs: a new capability adds one. The
  // hooks above and the error handler are the root's, so they cover every plugin registered after.
  const { store, metrics } = options;
  const clock = options.clock ?? Date.now;
  const answers = new CachedAnswers(options.queryCache, metrics, clock);
  const reads: StoreReadOptions = { store, metrics, clock, answers };
  const rangeReads: RangeReadOptions = {
    ...reads,
    retention: options.retention,
    maxPointsPerSeries: options.maxPointsPerSeries,
  };
  await app.register(catalogRoutes, { store, metrics });
  await app.register(timeseriesRoutes, rangeReads);
  await app.register(vqlRoutes, { ...reads, retention: options.retention });
  if (options.stream) await app.register(streamRoutes, { ...options.stream, apiKeys: options.apiKeys });
  if (options.pipeline) await app.register(pipelineRoutes, { ...options.pipeline, store });
  await app.register(deadLetterRoutes, { store });
  await app.register(exemplarRoutes, { store, clock });
  await app.register(compareRoutes, rangeReads);
  await app.register(healthScoreRoutes, { ...reads, names: options.healthMetrics ?? DEFAULT_HEALTH_METRICS });
  if (options.notifications) await app.register(notificationRoutes, { notifications: options.notifications });
  if (options.alerting) await app.register(alertingRoutes, { clock, ...options.alerting });
  if (options.traces) {
    await app.register(traceRoutes, { traces: options.traces, clock });
    await app.register(jaegerRoutes, { traces: options.traces, clock });
  }
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.register(healthRoutes, { role: 'api', checks: options.readiness });
  if (options.dashboardDir !== undefined) await app.register(dashboardRoutes, { dir: options.dashboardDir });
  return app;
}

function mapFrameworkError(err: FastifyError): VantageError | undefined {
  if (err.validation !== undefined) {
    const first = err.validation[0];
    const field =
      first?.instancePath.replace(/^\//, '') ||
      (first?.params as { missingProperty?: string } | undefined)?.missingProperty;
    return new VantageError('VTG_QUERY_INVALID_PARAMETER', {
      params: {
        reason: `${err.validationContext ?? 'request'} ${field ?? ''} ${first?.message ?? 'is invalid'}`
          .replace(/\s+/g, ' ')
          .trim(),
      },
      ...(field ? { field } : {}),
      cause: err,
    });
  }
  return undefined;
}
