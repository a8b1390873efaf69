import type { TracesQuery } from '../api/types';
import type { TimeRange } from '../time/range';

/**
 * The Traces view's search as it sits in the URL (`/traces?service=checkout&min_duration=250ms&
 * status=error&tags=http.route:/pay&from=-6h`), and as the API is asked it (GET /v1/traces).
 * The URL keeps what the user typed; the API gets durations in whole ms and one `tags` per tag.
 */
export interface TraceFilters {
  readonly service: string;
  readonly operation: string;
  /** As typed: `250ms`, `1.5s`, `2m`, or ms. */
  readonly minDuration: string;
  readonly maxDuration: string;
  readonly status: '' | 'ok' | 'error';
  /** As typed: `key:value` pairs separated by spaces. */
  readonly tags: string;
  readonly limit: number;
}

export const DEFAULT_LIMIT = 100;
/** The API's own cap. */
export const MAX_LIMIT = 1000;
export const LIMITS: readonly number[] = [20, 100, 500, 1000];

/** URL parameter of each filter. */
const PARAM = {
  service: 'service',
  operation: 'operation',
  minDuration: 'min_duration',
  maxDuration: 'max_duration',
  status: 'status',
  tags: 'tags',
  limit: 'limit',
} as const;

export function filtersFromParams(params: URLSearchParams): TraceFilters {
  const status = params.get(PARAM.status);
  const limit = Number(params.get(PARAM.limit) ?? DEFAULT_LIMIT);
  return {
    service: params.get(PARAM.service) ?? '',
    operation: params.get(PARAM.operation) ?? '',
    minDuration: params.get(PARAM.minDuration) ?? '',
    maxDuration: params.get(PARAM.maxDuration) ?? '',
    status: status === 'ok' || status === 'error' ? status : '',
    tags: params.get(PARAM.tags) ?? '',
    limit: Number.isInteger(limit) && limit >= 1 ? Math.min(limit, MAX_LIMIT) : DEFAULT_LIMIT,
  };
}

/** The URL parameters for some filters; defaults and empty ones are left out (undefined removes). */
export function filtersToParams(filters: Partial<TraceFilters>): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [key, param] of Object.entries(PARAM) as [keyof TraceFilters, string][]) {
    if (!(key in filters)) continue;
    const value = filters[key];
    out[param] =
      value === undefined || value === '' || (key === 'limit' && value === DEFAULT_LIMIT)
        ? undefined
        : String(value);
  }
  return out;
}

const UNIT_MS: Readonly<Record<string, number>> = {
  us: 0.001,
  µs: 0.001,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** `250ms`, `1.5s`, `2m`, `300` (ms) as ms; undefined when it is not a duration. */
export function parseDurationMs(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(us|µs|ms|s|m|h)?\s*$/.exec(text);
  if (!m) return undefined;
  return Number(m[1]) * (UNIT_MS[m[2] ?? 'ms'] as number);
}

/** `http.route:/pay region:eu` as pairs; a word without `key:value` is reported, not dropped. */
export function parseTags(text: string): { tags: [string, string][]; invalid: string[] } {
  const tags: [string, string][] = [];
  const invalid: string[] = [];
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const at = word.indexOf(':');
    if (at <= 0) invalid.push(word);
    else tags.push([word.slice(0, at), word.slice(at + 1)]);
  }
  return { tags, invalid };
}

/** What is wrong with the filters as typed, by field: the search is not sent until it is fixed. */
export function filterProblems(
  filters: TraceFilters,
): Partial<Record<'minDuration' | 'maxDuration' | 'tags', string>> {
  const problems: Partial<Record<'minDuration' | 'maxDuration' | 'tags', string>> = {};
  const min = filters.minDuration ? parseDurationMs(filters.minDuration) : undefined;
  const max = filters.maxDuration ? parseDurationMs(filters.maxDuration) : undefined;
  if (filters.minDuration && min === undefined) problems.minDuration = 'a duration, such as 250ms or 1.5s';
  if (filters.maxDuration && max === undefined) problems.maxDuration = 'a duration, such as 250ms or 1.5s';
  if (min !== undefined && max !== undefined && min > max) problems.maxDuration = 'at least the minimum';
  const { invalid } = parseTags(filters.tags);
  if (invalid.length) problems.tags = `key:value pairs; not ${invalid.map((w) => `"${w}"`).join(', ')}`;
  return problems;
}

/**
 * The GET /v1/traces parameters. Durations go as whole ms (the bounds widened to whole ms, so a
 * trace at a bound is not lost to rounding), which the API reads with or without a unit.
 */
export function searchParams(filters: TraceFilters, range: TimeRange): TracesQuery {
  const min = filters.minDuration ? parseDurationMs(filters.minDuration) : undefined;
  const max = filters.maxDuration ? parseDurationMs(filters.maxDuration) : undefined;
  const tags = parseTags(filters.tags).tags.map(([k, v]) => `${k}:${v}`);
  return {
    ...(filters.service ? { service: filters.service } : {}),
    ...(filters.operation ? { operation: filters.operation } : {}),
    ...(min !== undefined ? { min_duration: Math.floor(min) } : {}),
    ...(max !== undefined ? { max_duration: Math.ceil(max) } : {}),
    ...(filters.status ? { status: filters.status } : {}),
    ...(tags.length ? { tags } : {}),
    from: range.from,
    to: range.to,
    limit: filters.limit,
  };
}
