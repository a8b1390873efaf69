import Fastify from 'fastify';
import type { FastifyBaseLogger, FastifyError, FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import { Type } from '@sinclair/typebox';
import type { Logger } from 'pino';
import { VantageError, stepValue } from '../core/index.js';
import type { MetricsResponse, ServicesResponse, TierRetention, TimeseriesResponse } from '../core/index.js';
import {
  quietRequestLogs,
  registerErrorHandling,
  registerGracefulClose,
  registerHealthRoutes,
} from '../http/index.js';
import type { ApiKeyVerifier, ReadinessCheck } from '../http/index.js';
import type { Store } from '../storage/index.js';
import { VqlError, prepareVql, shapeVqlAnswer, toVantageError } from '../query/index.js';
import type { ApiMetrics } from './api-metrics.js';
import { TimeseriesQuerySchema, parseTimeseriesQuery } from './timeseries-request.js';
import type { TimeseriesQueryParams } from './timeseries-request.js';

export interface ApiServerOptions {
  readonly logger: Logger;
  readonly store: Store;
  readonly metrics: ApiMetrics;
  readonly apiKeys: ApiKeyVerifier;
  readonly retention: TierRetention;
  readonly maxPointsPerSeries: number;
  readonly readiness: Record<string, ReadinessCheck>;
  readonly clock?: () => number;
}

/** The query API's HTTP server. */
export async function buildApiServer(options: ApiServerOptions): Promise<FastifyInstance> {
  const clock = options.clock ?? Date.now;
  const logger: FastifyBaseLogger = options.logger.child({ component: 'api' });
  const app = Fastify({
    loggerInstance: logger,
    logController: quietRequestLogs(),
    forceCloseConnections: 'idle',
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
  registerGracefulClose(app);
  registerErrorHandling(app, mapFrameworkError);
  const { store, metrics } = options;

  app.addHook('onRequest', async (request) => {
    const open = ['/health', '/ready', '/live', '/openapi.json'];
    if (options.apiKeys.enabled && !open.includes(request.url.split('?')[0] ?? ''))
      options.apiKeys.authenticate(request.headers);
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unknown';
    metrics.requests.inc({ route, status: String(reply.statusCode) });
    metrics.requestDuration.observe({ route }, reply.elapsedTime / 1000);
  });

  app.get(
    '/v1/services',
    {
      schema: {
        summary: 'Services that sent metrics',
        response: {
          200: Type.Object({
            services: Type.Array(
              Type.Object({ name: Type.String(), metricCount: Type.Integer(), lastSeen: Type.Number() }),
            ),
          }),
        },
      },
    },
    async (): Promise<ServicesResponse> => {
      const stop = metrics.queryDuration.startTimer({ query: 'services', tier: '' });
      const services = await store.services();
      stop();
      return { services };
    },
  );

  app.get<{ Querystring: { service: string } }>(
    '/v1/metrics',
    {
      schema: {
        summary: "A service's metrics with their types and tag keys",
        querystring: Type.Object({ service: Type.String({ minLength: 1 }) }),
      },
    },
    async (request): Promise<MetricsResponse> => {
      const stop = metrics.queryDuration.startTimer({ query: 'metrics', tier: '' });
      const list = await store.metrics(request.query.service);
      stop();
      return { service: request.query.service, metrics: list };
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
    async (request): Promise<TimeseriesResponse> => {
      const { bucketQuery: q, agg } = parseTimeseriesQuery(
        request.query,
        clock(),
        options.retention,
        options.maxPointsPerSeries,
      );
      const stop = metrics.queryDuration.startTimer({ query: 'timeseries', tier: q.tier.name });
      const groups = await store.queryBuckets(q);
      stop();
      return {
        series: groups.map((g) => ({
          service: q.service,
          metric: q.metric,
          tags: g.tags,
          points: g.buckets.flatMap((b): [number, number][] => {
            const v = stepValue(agg, b, g.type, q.stepMs);
            return v === undefined ? [] : [[b.start, v]];
          }),
        })),
        query: { from: q.from, to: q.to, step: q.stepMs, agg, tier: q.tier.name },
      };
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
    async (request) => {
      const started = performance.now();
      let plan;
      try {
        plan = prepareVql(request.body.vql, { now: clock(), retention: options.retention });
      } catch (err) {
        metrics.vqlQueries.inc({ outcome: 'refused' });
        throw err instanceof VqlError ? toVantageError(err) : err;
      }
      const stop = metrics.queryDuration.startTimer({ query: 'vql', tier: plan.tier.name });
      const { rows, sorted } = await store.queryVql(plan);
      stop();
      metrics.vqlQueries.inc({ outcome: 'ok' });
      const answer = shapeVqlAnswer(plan, rows, sorted);
      return {
        ...answer,
        stats: {
          rows: answer.rows.length,
          tier: plan.tier.name,
          from: plan.scan.from,
          to: plan.scan.to,
          step: plan.stepMs ?? null,
          elapsedMs: Math.round((performance.now() - started) * 100) / 100,
          notices: plan.notices,
        },
      };
    },
  );

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  registerHealthRoutes(app, 'api', options.readiness);
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
