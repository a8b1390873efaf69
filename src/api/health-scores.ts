import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Static, TSchema } from '@sinclair/typebox';
import {
  DAY_MS,
  HEALTH_FORMULA_TEXT,
  HOUR_MS,
  MINUTE_MS,
  VantageError,
  floorTo,
  formatDuration,
  parseDuration,
  worstFirst,
} from '../core/index.js';
import type { HealthMetricNames, HealthScoresResponse } from '../core/index.js';
import { CACHE_HEADER, wantsFreshAnswer } from './cached-answers.js';
import type { StoreReadOptions } from './route-options.js';
import { measureServiceHealth } from './service-health.js';
import { PAGE_SIZES, PageQuerySchema, cutPage, pageRequest } from './pages.js';
import type { HealthRanges } from './service-health.js';

/** The baseline is the day before the window: long enough to be stable, recent enough to be "normal". */
export const HEALTH_BASELINE_MS = DAY_MS;
const DEFAULT_WINDOW = '15m';
const MAX_WINDOW_MS = DAY_MS;
/** Services scored at once; a store answers the six range queries of each in parallel. */
const SERVICES_AT_ONCE = 4;

export interface HealthScoreRouteOptions extends StoreReadOptions {
  readonly names: HealthMetricNames;
}

const WindowSchema = Type.Optional(
  Type.String({ description: 'The recent time scored: whole minutes, 1m to 24h. Default 15m' }),
);
const HealthScoresQuerySchema = Type.Object({ window: WindowSchema });
type HealthScoresQuery = Static<typeof HealthScoresQuerySchema>;
const HealthScoresPageSchema = Type.Composite([Type.Object({ window: WindowSchema }), PageQuerySchema]);
type HealthScoresPageQuery = Static<typeof HealthScoresPageSchema>;

/**
 * GET /v1/health-scores (every service seen since the baseline began) and
 * GET /v1/health-scores/:service: a 0-100 score per service from its error rate, its p99 latency
 * against its own baseline and its throughput against its baseline, returned with its inputs,
 * penalties and reasons. Read through Store.queryBuckets, so both stores give the same scores.
 */
export const healthScoreRoutes: FastifyPluginAsync<HealthScoreRouteOptions> = async (app, options) => {
  const { store } = options;

  app.get<{ Querystring: HealthScoresPageQuery }>(
    '/v1/health-scores',
    {
      schema: {
        summary: 'Health score of every service, worst first',
        description:
          'See docs/api.md for the formula; it is also returned as `formula`. Pages go by service name (`limit`, `after`, `next`); each page is sorted worst first.',
        querystring: HealthScoresPageSchema,
        response: { 200: HealthScoresResponseSchema },
      },
    },
    async (request, reply): Promise<HealthScoresResponse> => {
      const ranges = healthRanges(request.query.window, options.clock());
      const page = pageRequest(request.query, PAGE_SIZES.healthScores);
      const { value, cache } = await options.answers.cached(
        {
          query: 'health_scores',
          key: `health_scores ${ranges.windowFrom} ${ranges.windowTo} ${page.limit} ${JSON.stringify(page.after ?? '')}`,
          rangeEnd: ranges.windowTo,
          fresh: wantsFreshAnswer(request.headers),
        },
        async () => {
          const stop = options.metrics.queryDuration.startTimer({ query: 'health_scores', tier: '' });
          const listed = cutPage(await store.services(page), page, (s) => s.name);
          const active = listed.items.filter((s) => s.lastSeen >= ranges.baselineFrom);
          const scores: HealthScoresResponse['services'] = [];
          for (let i = 0; i < active.length; i += SERVICES_AT_ONCE) {
            const batch = active.slice(i, i + SERVICES_AT_ONCE);
            scores.push(
              ...(await Promise.all(
                batch.map((s) => measureServiceHealth(store, s.name, options.names, ranges)),
              )),
            );
          }
          stop();
          return answer(ranges, scores.sort(worstFirst), listed.next);
        },
      );
      reply.header(CACHE_HEADER, cache);
      return value;
    },
  );

  app.get<{ Querystring: HealthScoresQuery; Params: { service: string } }>(
    '/v1/health-scores/:service',
    {
      schema: {
        summary: 'Health score of one service',
        params: Type.Object({ service: Type.String({ minLength: 1 }) }),
        querystring: HealthScoresQuerySchema,
        response: { 200: HealthScoresResponseSchema },
      },
    },
    async (request, reply): Promise<HealthScoresResponse> => {
      const ranges = healthRanges(request.query.window, options.clock());
      const { service } = request.params;
      const { value, cache } = await options.answers.cached(
        {
          query: 'health_scores',
          key: `health_scores ${ranges.windowFrom} ${ranges.windowTo} ${JSON.stringify(service)}`,
          rangeEnd: ranges.windowTo,
          fresh: wantsFreshAnswer(request.headers),
        },
        async () => {
          const stop = options.metrics.queryDuration.startTimer({ query: 'health_scores', tier: '' });
          if ((await store.metrics(service, { limit: 1 })).length === 0) {
            stop();
            throw new VantageError('VTG_QUERY_UNKNOWN_SERVICE', { params: { service }, field: 'service' });
          }
          const score = await measureServiceHealth(store, service, options.names, ranges);
          stop();
          return answer(ranges, [score], null);
        },
      );
      reply.header(CACHE_HEADER, cache);
      return value;
    },
  );
};

/**
 * The window ends at the start of the current minute: the minute in progress is still being
 * written, and counting part of it would read as a drop in throughput.
 */
function healthRanges(window: string | undefined, now: number): HealthRanges {
  const text = window ?? DEFAULT_WINDOW;
  const windowMs = parseDuration(text);
  if (
    windowMs === undefined ||
    windowMs < MINUTE_MS ||
    windowMs > MAX_WINDOW_MS ||
    windowMs % MINUTE_MS !== 0
  ) {
    throw new VantageError('VTG_QUERY_INVALID_PARAMETER', {
      params: { reason: `window "${text}" must be a whole number of minutes from 1m to 24h, such as 15m` },
      field: 'window',
    });
  }
  const windowTo = floorTo(now, MINUTE_MS);
  const windowFrom = windowTo - windowMs;
  return {
    windowFrom,
    windowTo,
    baselineFrom: windowFrom - HEALTH_BASELINE_MS,
    baselineTo: windowFrom,
    windowLabel: formatDuration(windowMs),
    // 24h rather than 1d: how people say it, and the window's units.
    baselineLabel: `${HEALTH_BASELINE_MS / HOUR_MS}h`,
  };
}

function answer(
  ranges: HealthRanges,
  services: HealthScoresResponse['services'],
  next: string | null,
): HealthScoresResponse {
  return {
    window: ranges.windowLabel,
    baseline: ranges.baselineLabel,
    from: ranges.windowFrom,
    to: ranges.windowTo,
    baselineFrom: ranges.baselineFrom,
    baselineTo: ranges.baselineTo,
    formula: HEALTH_FORMULA_TEXT,
    services,
    next,
  };
}

const nullable = (schema: TSchema) => Type.Union([schema, Type.Null()]);
const NullableNumber = nullable(Type.Number());
const CurrentAndBaseline = (extra: Record<string, TSchema> = {}) =>
  Type.Object({ current: NullableNumber, baseline: NullableNumber, ...extra });

const HealthScoresResponseSchema = Type.Object({
  window: Type.String({ description: 'Length of the window scored, e.g. 15m' }),
  baseline: Type.String({ description: 'Length of the baseline just before the window, e.g. 24h' }),
  from: Type.Number(),
  to: Type.Number(),
  baselineFrom: Type.Number(),
  baselineTo: Type.Number(),
  formula: Type.String(),
  services: Type.Array(
    Type.Object({
      service: Type.String(),
      score: nullable(Type.Integer({ minimum: 0, maximum: 100 })),
      status: Type.Union(['healthy', 'degraded', 'critical', 'unknown'].map((s) => Type.Literal(s))),
      inputs: Type.Object({
        errorRate: CurrentAndBaseline(),
        latencyP99: CurrentAndBaseline({ ratio: NullableNumber }),
        throughput: CurrentAndBaseline({ change: NullableNumber }),
      }),
      penalties: Type.Object({ errors: NullableNumber, latency: NullableNumber, throughput: NullableNumber }),
      reasons: Type.Array(Type.String()),
    }),
    { description: 'Worst first within the page; unknown (no score) last' },
  ),
  next: Type.Union([Type.String(), Type.Null()], {
    description: 'Pass as `after` for the next page; null on the last page',
  }),
});
