import Fastify from 'fastify';
import type { FastifyBaseLogger, FastifyError, FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import { Type } from '@sinclair/typebox';
import type { Logger } from 'pino';
import { DEFAULT_HEALTH_METRICS, VantageError, stepValue } from '../core/index.js';
import type { HealthMetricNames } from '../core/index.js';
import type { MetricsResponse, ServicesResponse, TierRetention, TimeseriesResponse } from '../core/index.js';
import {
  httpServerOptions,
  registerIdleSocketTimeout,
  quietRequestLogs,
  registerErrorHandling,
  registerGracefulClose,
  registerHealthRoutes,
} from '../http/index.js';
import type { ApiKeyVerifier, HttpServerSettings, ReadinessCheck } from '../http/index.js';
import type { Store } from '../storage/index.js';
import { prepareVql, shapeVqlAnswer } from '../query/index.js';
import { vqlCacheKey } from './cache-key.js';
import type { ApiMetrics } from './api-metrics.js';
import { CACHE_HEADER, CachedAnswers, wantsFreshAnswer } from './cached-answers.js';
import type { QueryCacheOptions } from './cached-answers.js';
import { registerCompareRoute } from './compare.js';
import { deadLetterRoutes } from './dead-letter-routes.js';
import { registerHealthScoreRoutes } from './health-scores.js';
import { registerPipelineRoute } from './pipeline-status.js';
import type { PipelineStatusOptions } from './pipeline-status.js';
import { TimeseriesQuerySchema, parseTimeseriesQuery, timeseriesCacheKey } from './timeseries-request.js';
import type { TimeseriesQueryParams } from './timeseries-request.js';
import { STREAM_SELF_AUTHENTICATED_PATHS, streamRoutes } from './stream/stream-routes.js';
import type { StreamOptions } from './stream/stream-routes.js';
import { DASHBOARD_ROUTES, registerDashboard } from './dashboard-routes.js';
import { PAGE_SIZES, PageQuerySchema, cutPage, pageRequest } from './pages.js';
import type { PageQuery } from './pages.js';

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
}

/** The query API's HTTP server. */
export async function buildApiServer(options: ApiServerOptions): Promise<FastifyInstance> {
  const clock = options.clock ?? Date.now;
  const logger: FastifyBaseLogger = options.logger.child({ component: 'api' });
  const app = Fastify({
    loggerInstance: logger,
    logController: quietRequestLogs(),
    ...httpServerOptions(options.http, logger),
  });
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Vantage query API',
        version: '1',
        description: 'Services, metrics and time series. See docs/api.md.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
  });
  registerGracefulClose(app, options.http.shutdownGraceMs);
  registerIdleSocketTimeout(app, logger);
  registerErrorHandling(app, mapFrameworkError);
  const { store, metrics } = options;
  const answers = new CachedAnswers(options.queryCache, metrics, clock);

  app.addHook('onRequest', async (request) => {
    const open = ['/health', '/ready', '/live', '/openapi.json', ...STREAM_SELF_AUTHENTICATED_PATHS];
    // The dashboard's page and files hold no data; it asks for a key and sends it on API calls.
    const dashboard = DASHBOARD_ROUTES.includes(request.routeOptions.url ?? '');
    if (options.apiKeys.enabled && !dashboard && !open.includes(request.url.split('?')[0] ?? ''))
      options.apiKeys.authenticate(request.headers, request.ip);
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unknown';
    metrics.requests.inc({ route, status: String(reply.statusCode) });
    metrics.requestDuration.observe({ route }, reply.elapsedTime / 1000);
  });

  app.get<{ Querystring: PageQuery }>(
    '/v1/services',
    {
      schema: {
        summary: 'Services that sent metrics, by name, one page at a time',
        querystring: PageQuerySchema,
        response: {
          200: Type.Object({
            services: Type.Array(
              Type.Object({ name: Type.String(), metricCount: Type.Integer(), lastSeen: Type.Number() }),
            ),
            next: Type.Union([Type.String(), Type.Null()]),
          }),
        },
      },
    },
    async (request): Promise<ServicesResponse> => {
      const page = pageRequest(request.query, PAGE_SIZES.services);
      const stop = metrics.queryDuration.startTimer({ query: 'services', tier: '' });
      const { items, next } = cutPage(await store.services(page), page, (s) => s.name);
      stop();
      return { services: items, next };
    },
  );

  app.get<{ Querystring: PageQuery & { service: string } }>(
    '/v1/metrics',
    {
      schema: {
        summary: "A service's metrics with their types and tag keys, by name, one page at a time",
        querystring: Type.Composite([
          Type.Object({ service: Type.String({ minLength: 1 }) }),
          PageQuerySchema,
        ]),
      },
    },
    async (request): Promise<MetricsResponse> => {
      const page = pageRequest(request.query, PAGE_SIZES.metrics);
      const stop = metrics.queryDuration.startTimer({ query: 'metrics', tier: '' });
      const { items, next } = cutPage(await store.metrics(request.query.service, page), page, (m) => m.name);
      stop();
      return { service: request.query.service, metrics: items, next };
    },
  );

  app.get<{ Querystring: TimeseriesQueryParams }>(
    '/metrics/timeseries',
    {
      schema: {
        summary: 'One metric as time series, aggregated per step',
        querystring: TimeseriesQuerySchema,
      },
    },
    async (request, reply): Promise<TimeseriesResponse> => {
      const parsed = parseTimeseriesQuery(
        request.query,
        clock(),
        options.retention,
        options.maxPointsPerSeries,
      );
      const { bucketQuery: q, agg } = parsed;
      const { value: series, cache } = await answers.cached(
        {
          query: 'timeseries',
          key: timeseriesCacheKey(parsed),
          rangeEnd: q.to,
          fresh: wantsFreshAnswer(request.headers),
        },
        async (): Promise<TimeseriesResponse['series']> => {
          const stop = metrics.queryDuration.startTimer({ query: 'timeseries', tier: q.tier.name });
          const groups = await store.queryBuckets(q);
          stop();
          return groups.map((g) => ({
            service: q.service,
            metric: q.metric,
            tags: g.tags,
            points: g.buckets.flatMap((b): [number, number][] => {
              const v = stepValue(agg, b, g.type, q.stepMs);
              return v === undefined ? [] : [[b.start, v]];
            }),
          }));
        },
      );
      reply.header(CACHE_HEADER, cache);
      return { series, query: { from: q.from, to: q.to, step: q.stepMs, agg, tier: q.tier.name } };
    },
  );

  app.post<{ Body: { vql: string } }>(
    '/v1/query',
    {
      schema: {
        summary: 'Run a VQL query',
        description:
          'One SELECT over the logical table `metrics`; see docs/vql.md. Errors name their position.',
        body: Type.Object(
          { vql: Type.String({ minLength: 1, maxLength: 10_000 }) },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const started = performance.now();
      let plan;
      try {
        plan = prepareVql(request.body.vql, { now: clock(), retention: options.retention });
      } catch (err) {
        metrics.vqlQueries.inc({ outcome: 'refused' });
        throw err;
      }
      const prepared = plan; // a const, for the closure below
      const { value: answer, cache } = await answers
        .cached(
          {
            query: 'vql',
            key: vqlCacheKey(plan),
            rangeEnd: plan.scan.to,
            fresh: wantsFreshAnswer(request.headers),
          },
          async () => {
            const stop = metrics.queryDuration.startTimer({ query: 'vql', tier: prepared.tier.name });
            const { rows, sorted } = await store.queryVql(prepared);
            stop();
            return shapeVqlAnswer(prepared, rows, sorted);
          },
        )
        .catch((err: unknown) => {
          metrics.vqlQueries.inc({ outcome: 'failed' });
          throw err;
        });
      metrics.vqlQueries.inc({ outcome: 'ok' });
      reply.header(CACHE_HEADER, cache);
      return {
        ...answer,
        stats: {
          rows: answer.rows.length,
          tier: plan.tier.name,
          from: plan.scan.from,
          to: plan.scan.to,
          step: plan.stepMs ?? null,
          elapsedMs: Math.round((performance.now() - started) * 100) / 100,
          cached: cache === 'hit',
          notices: plan.notices,
        },
      };
    },
  );

  if (options.stream) await app.register(streamRoutes, { ...options.stream, apiKeys: options.apiKeys });
  if (options.pipeline) registerPipelineRoute(app, store, options.pipeline);
  await app.register(deadLetterRoutes, { store });
  registerCompareRoute(app, { ...options, clock, answers });
  registerHealthScoreRoutes(app, {
    store,
    metrics,
    clock,
    names: options.healthMetrics ?? DEFAULT_HEALTH_METRICS,
    answers,
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  registerHealthRoutes(app, 'api', options.readiness);
  if (options.dashboardDir !== undefined) await registerDashboard(app, options.dashboardDir);
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
