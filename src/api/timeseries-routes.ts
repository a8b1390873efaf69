import type { FastifyPluginAsync } from 'fastify';
import { stepValue } from '../core/index.js';
import type { TimeseriesResponse } from '../core/index.js';
import { CACHE_HEADER, wantsFreshAnswer } from './cached-answers.js';
import type { RangeReadOptions } from './route-options.js';
import { TimeseriesQuerySchema, parseTimeseriesQuery, timeseriesCacheKey } from './timeseries-request.js';
import type { TimeseriesQueryParams } from './timeseries-request.js';

/** `GET /metrics/timeseries`: one metric as time series, a value per step, through the answer cache. */
export const timeseriesRoutes: FastifyPluginAsync<RangeReadOptions> = async (app, options) => {
  const { store, metrics, clock, answers } = options;
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
};
