import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { MetricsResponse, ServicesResponse } from '../core/index.js';
import type { Store } from '../storage/index.js';
import type { ApiMetrics } from './api-metrics.js';
import { PAGE_SIZES, PageQuerySchema, cutPage, pageRequest } from './pages.js';
import type { PageQuery } from './pages.js';

export interface CatalogRouteOptions {
  readonly store: Store;
  readonly metrics: ApiMetrics;
}

/**
 * `GET /v1/services` and `GET /v1/metrics`: what there is to ask about, one page at a time, read
 * from the store each time (a listing is an index range: milliseconds).
 */
export const catalogRoutes: FastifyPluginAsync<CatalogRouteOptions> = async (app, { store, metrics }) => {
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
};
