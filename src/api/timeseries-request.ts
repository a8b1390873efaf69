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

export const TimeseriesQuerySchema = Type.Object({
  service: Type.String({ minLength: 1, description: 'Service name' }),
  metric: Type.String({ minLength: 1, description: 'Metric name' }),
  from: Type.Optional(
    Type.String({ description: 'Start: epoch ms, RFC 3339, now, or relative (-1h). Default -1h' }),
  ),
  to: Type.Optional(Type.String({ description: 'End (exclusive), same forms. Default now' })),
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
});

export type TimeseriesQueryParams = Static<typeof TimeseriesQuerySchema>;

export interface ParsedTimeseriesQuery {
  readonly bucketQuery: BucketQuery;
  readonly agg: Aggregation;
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
