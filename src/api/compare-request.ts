import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { VantageError, chooseTier } from '../core/index.js';
import type { Tier, TierRetention } from '../core/index.js';
import type { SeriesSelector } from '../storage/index.js';
import { RANGE_PARAMS, parseQueryRange } from './timeseries-request.js';

export const CompareQuerySchema = Type.Object({
  metric: Type.String({ minLength: 1, description: 'Metric name, e.g. http_request_duration_ms' }),
  a: Type.String({
    minLength: 1,
    description: 'Side A (the baseline): service:<name>, or <tag>:<value> within `service`',
  }),
  b: Type.String({ minLength: 1, description: 'Side B (the candidate), same forms as a' }),
  service: Type.Optional(
    Type.String({ minLength: 1, description: 'The service a tag side is taken within (required for one)' }),
  ),
  ...RANGE_PARAMS,
  step: Type.Optional(
    Type.String({
      description: 'Step of the per-step values the test runs on, whole minutes. Default: about 300 steps',
    }),
  ),
});

export type CompareQueryParams = Static<typeof CompareQuerySchema>;

/** One side: its label as given and the series it selects. */
export interface CompareSideSelection {
  readonly label: string;
  readonly selector: Omit<SeriesSelector, 'groupBy'>;
}

export interface ParsedCompareQuery {
  readonly metric: string;
  readonly service: string | null;
  readonly a: CompareSideSelection;
  readonly b: CompareSideSelection;
  readonly from: number;
  readonly to: number;
  readonly stepMs: number;
  readonly tier: Tier;
}

/** Turns /v1/compare's parameters into two selections over one range, or a 400 naming the parameter. */
export function parseCompareQuery(
  p: CompareQueryParams,
  now: number,
  retention: TierRetention,
  maxPoints: number,
): ParsedCompareQuery {
  const side = (field: 'a' | 'b'): CompareSideSelection => {
    const text = p[field];
    const at = text.indexOf(':');
    const key = text.slice(0, at).trim();
    const value = text.slice(at + 1);
    if (at <= 0 || key === '' || value === '') {
      throw new VantageError('VTG_QUERY_INVALID_PARAMETER', {
        params: { reason: `${field}="${text}" must be service:<name> or <tag>:<value>, such as version:v2` },
        field,
      });
    }
    if (key === 'service')
      return { label: text, selector: { service: value, metric: p.metric, tagFilters: [] } };
    if (p.service === undefined) {
      throw new VantageError('VTG_QUERY_INVALID_PARAMETER', {
        params: {
          reason: `${field}="${text}" compares a tag: add service=<name> to say whose "${key}" to compare`,
        },
        field: 'service',
      });
    }
    return { label: text, selector: { service: p.service, metric: p.metric, tagFilters: [[key, value]] } };
  };
  const a = side('a');
  const b = side('b');
  const { from, to, stepMs } = parseQueryRange(p, now, maxPoints);
  return {
    metric: p.metric,
    service: p.service ?? null,
    a,
    b,
    from,
    to,
    stepMs,
    tier: chooseTier(stepMs, from, now, retention),
  };
}
