import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import {
  AGGREGATIONS,
  MINUTE_MS,
  VantageError,
  chooseTier,
  isAggregation,
  parseDuration,
  parseTimePoint,
} from '../core/index.js';
import type { Aggregation, TierRetention } from '../core/index.js';
import type { BucketQuery } from '../storage/index.js';

/** `from` and `to` of every route over a time range, in the forms parseQueryRange reads. */
export const RANGE_PARAMS = {
  from: Type.Optional(
    Type.String({ description: 'Start: epoch ms, RFC 3339, now, or relative (-1h). Default -1h' }),
  ),
  to: Type.Optional(Type.String({ description: 'End (exclusive), same forms. Default now' })),
};

export const TimeseriesQuerySchema = Type.Object({
  service: Type.String({ minLength: 1, description: 'Service name' }),
  metric: Type.String({ minLength: 1, description: 'Metric name' }),
  ...RANGE_PARAMS,
  step: Type.Optional(
    Type.String({
      description: 'Step: a whole number of minutes, as 5m, 1h or ms. Default: about 300 points',
    }),
  ),
  agg: Type.Optional(
    Type.String({ enum: [...AGGREGATIONS], description: 'Aggregation per step. Default avg' }),
  ),
  group_by: Type.Optional(Type.String({ description: 'Comma-separated tag keys to split series by' })),
  tags: Type.Optional(
    Type.Union([Type.String(), Type.Array(Type.String())], {
      description: 'Tag filters key:value, comma-separated or repeated',
    }),
  ),
  exemplars: Type.Optional(
    Type.Boolean({
      description:
        'true: each series also carries its exemplars in the range (links to traces), newest first, at most 1,000 in the answer',
    }),
  ),
});

export type TimeseriesQueryParams = Static<typeof TimeseriesQuerySchema>;

const TimeseriesExemplarSchema = Type.Object({
  timestamp: Type.Number({ description: "The exemplar's time, epoch ms" }),
  value: Type.Number(),
  traceId: Type.String({ description: "Lower-case hex; '' when the sender gave none" }),
  spanId: Type.String({ description: "Lower-case hex; '' when the sender gave none" }),
});

/** The answer of `GET /metrics/timeseries` (TimeseriesResponse), for the OpenAPI document. */
export const TimeseriesResponseSchema = Type.Object({
  series: Type.Array(
    Type.Object({
      service: Type.String(),
      metric: Type.String(),
      tags: Type.Record(Type.String(), Type.String(), { description: 'The group_by tags of the series' }),
      points: Type.Array(Type.Tuple([Type.Number(), Type.Number()]), {
        description: '[epoch ms of the step start, value]',
      }),
      exemplars: Type.Optional(
        Type.Array(TimeseriesExemplarSchema, {
          description: 'With exemplars=true: the exemplars of the series in this one, newest first',
        }),
      ),
    }),
  ),
  query: Type.Object({
    from: Type.Number(),
    to: Type.Number(),
    step: Type.Number(),
    agg: Type.String(),
    tier: Type.String(),
    exemplarsTruncated: Type.Optional(
      Type.Boolean({
        description:
          'With exemplars=true: the range held more than 1,000 exemplars; the oldest were left out',
      }),
    ),
  }),
});

export interface ParsedTimeseriesQuery {
  readonly bucketQuery: BucketQuery;
  readonly agg: Aggregation;
  /** Whether each series carries its exemplars. */
  readonly exemplars: boolean;
}

const DEFAULT_POINTS = 300;
const NICE_STEPS_MIN = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440];

/** Turns query-string parameters into a store query, or a 400 naming the parameter at fault. */
export function parseTimeseriesQuery(
  p: TimeseriesQueryParams,
  now: number,
  retention: TierRetention,
  maxPoints: number,
): ParsedTimeseriesQuery {
  const { from, to, stepMs } = parseQueryRange(p, now, maxPoints);
  const agg = p.agg ?? 'avg';
  if (!isAggregation(agg)) {
    throw new VantageError('VTG_QUERY_INVALID_PARAMETER', {
      params: { reason: `agg "${agg}" is not one of ${AGGREGATIONS.join(', ')}` },
      field: 'agg',
    });
  }
  const tagFilters = parseTagFilters(p.tags);
  const groupBy = (p.group_by ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k.length > 0);
  return {
    agg,
    exemplars: p.exemplars === true,
    bucketQuery: {
      service: p.service,
      metric: p.metric,
      tagFilters,
      groupBy,
      from,
      to,
      stepMs,
      tier: chooseTier(stepMs, from, now, retention),
      needLast: agg === 'last',
      needSketch: agg.startsWith('p'),
    },
  };
}

/** A query's time range and step, as /metrics/timeseries and /v1/compare take them. */
export interface QueryRangeParams {
  readonly from?: string | undefined;
  readonly to?: string | undefined;
  readonly step?: string | undefined;
}

/**
 * `from`, `to` and `step` as epoch ms: from aligned down to the step, to exclusive, step a whole
 * number of minutes (by default about DEFAULT_POINTS steps), at most `maxPoints` steps; or a 400
 * naming the parameter at fault.
 */
export function parseQueryRange(
  p: QueryRangeParams,
  now: number,
  maxPoints: number,
): { from: number; to: number; stepMs: number } {
  const to = time(p.to ?? 'now', 'to', now);
  const fromRaw = time(p.from ?? '-1h', 'from', now);
  if (fromRaw >= to) {
    throw new VantageError('VTG_QUERY_INVALID_RANGE', {
      params: { reason: '"from" must be before "to"' },
      field: 'from',
    });
  }
  let stepMs: number;
  if (p.step !== undefined) {
    const parsed = parseDuration(p.step);
    if (parsed === undefined || parsed <= 0 || parsed % MINUTE_MS !== 0) {
      throw new VantageError('VTG_QUERY_INVALID_PARAMETER', {
        params: { reason: `step "${p.step}" must be a whole number of minutes, such as 1m, 5m, 1h or 60000` },
        field: 'step',
      });
    }
    stepMs = parsed;
  } else {
    const wanted = (to - fromRaw) / DEFAULT_POINTS / MINUTE_MS;
    stepMs = (NICE_STEPS_MIN.find((m) => m >= wanted) ?? Math.ceil(wanted / 1440) * 1440) * MINUTE_MS;
  }
  const from = Math.floor(fromRaw / stepMs) * stepMs;
  const points = Math.ceil((to - from) / stepMs);
  if (points > maxPoints) {
    throw new VantageError('VTG_QUERY_TOO_MANY_POINTS', {
      params: { points, limit: maxPoints },
      field: 'step',
    });
  }
  return { from, to, stepMs };
}

function time(text: string, field: string, now: number): number {
  const t = parseTimePoint(text, now);
  if (t === undefined) throw new VantageError('VTG_QUERY_INVALID_TIME', { params: { value: text }, field });
  return t;
}

function parseTagFilters(raw: string | string[] | undefined): [string, string][] {
  if (raw === undefined) return [];
  const items = (Array.isArray(raw) ? raw : [raw]).flatMap((s) => s.split(','));
  return items
    .filter((s) => s.trim().length > 0)
    .map((item) => {
      const at = item.indexOf(':');
      if (at <= 0) {
        throw new VantageError('VTG_QUERY_INVALID_PARAMETER', {
          params: { reason: `tag filter "${item}" must be key:value` },
          field: 'tags',
        });
      }
      return [item.slice(0, at).trim(), item.slice(at + 1)];
    });
}

/**
 * The query cache's key of a timeseries query: what it selects and its resolved range. `from` is
 * already aligned to the step. `to` is taken up to the tier's resolution: stored rows start on it,
 * so every `to` within one resolution reads the same rows (`start < to`); for `to=now` the key
 * moves when a new row (a new minute, or five) begins. Tag filters must all hold, so their order
 * does not matter. The exemplars flag is part of it: an answer with exemplars is another answer.
 * Exemplars are kept by the minute, so a `to` within the tier's resolution can leave out some of
 * the last minute's exemplars that a later `to` takes in: they are read up to `to` rounded up the
 * same way, so every `to` of one key reads the same exemplars.
 */
export function timeseriesCacheKey({ bucketQuery: q, agg, exemplars }: ParsedTimeseriesQuery): string {
  const filters = q.tagFilters.map((f) => JSON.stringify(f)).sort();
  const to = cacheRangeEnd(q);
  const selection = [q.service, q.metric, agg, filters, q.groupBy, q.stepMs, q.tier.name, q.from, to];
  if (exemplars) selection.push('exemplars');
  return `timeseries:${JSON.stringify(selection)}`;
}

/** `to` taken up to the tier's resolution, as the cache key reads it. */
export function cacheRangeEnd(q: BucketQuery): number {
  return Math.ceil(q.to / q.tier.resolutionMs) * q.tier.resolutionMs;
}
