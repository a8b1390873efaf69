import type { FastifyPluginAsync } from 'fastify';
import { stepValue } from '../core/index.js';
import type { TimeseriesResponse, TimeseriesSeries } from '../core/index.js';
import { CACHE_HEADER, wantsFreshAnswer } from './cached-answers.js';
import type { RangeReadOptions } from './route-options.js';
import { exemplarsByGroup, groupKey } from './timeseries-exemplars.js';
import {
  TimeseriesQuerySchema,
  TimeseriesResponseSchema,
  cacheRangeEnd,
  parseTimeseriesQuery,
  timeseriesCacheKey,
} from './timeseries-request.js';
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
        response: { 200: TimeseriesResponseSchema },
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
      const { value: answer, cache } = await answers.cached(
        {
          query: 'timeseries',
          key: timeseriesCacheKey(parsed),
          rangeEnd: q.to,
          fresh: wantsFreshAnswer(request.headers),
        },
        async (): Promise<{ series: TimeseriesSeries[]; exemplarsTruncated?: boolean }> => {
          const stop = metrics.queryDuration.startTimer({ query: 'timeseries', tier: q.tier.name });
          const groups = await store.queryBuckets(q);
          stop();
          // Read up to the end the cache key reads (see timeseriesCacheKey), as the buckets are.
          const found = parsed.exemplars
            ? await exemplarsByGroup(store, { ...q, to: cacheRangeEnd(q) })
            : undefined;
          const series = groups.map((g): TimeseriesSeries => ({
            service: q.service,
            metric: q.metric,
            tags: g.tags,
            points: g.buckets.flatMap((b): [number, number][] => {
              const v = stepValue(agg, b, g.type, q.stepMs);
              // A point is a number or absent: the response schema's serializer refuses NaN.
              return v === undefined || !Number.isFinite(v) ? [] : [[b.start, v]];
            }),
            ...(found ? { exemplars: found.byGroup.get(groupKey(q.groupBy, g.tags)) ?? [] } : {}),
          }));
          return found ? { series, exemplarsTruncated: found.truncated } : { series };
        },
      );
      reply.header(CACHE_HEADER, cache);
      const { series, exemplarsTruncated } = answer;
      return {
        series,
        query: {
          from: q.from,
          to: q.to,
          step: q.stepMs,
          agg,
          tier: q.tier.name,
          ...(exemplarsTruncated === undefined ? {} : { exemplarsTruncated }),
        },
      };
    },
  );
};
