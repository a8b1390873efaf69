import { limitCountSchema as count } from '../config/setting-spec.js';
import type { SettingSpec } from '../config/setting-spec.js';
import type { AnswerLimits } from './answer-limits.js';

/** Bounds of the query API's answers and of what one query may read (docs/operations.md). */
export const ANSWER_LIMIT_SETTINGS = {
  queryMaxSeries: {
    flag: '--query-max-series',
    env: 'VANTAGE_QUERY_MAX_SERIES',
    default: '10000',
    schema: count,
    description: 'Most series (groups) in one answer of /metrics/timeseries or /v1/query; beyond it, 422',
  },
  queryMaxPoints: {
    flag: '--query-max-points',
    env: 'VANTAGE_QUERY_MAX_POINTS',
    default: '500000',
    schema: count,
    description: 'Most points (VQL: rows) in one answer; beyond it, 422',
  },
  queryMaxSeriesScanned: {
    flag: '--query-max-series-scanned',
    env: 'VANTAGE_QUERY_MAX_SERIES_SCANNED',
    default: '200000',
    schema: count,
    description: 'Most stored series one query may select before grouping; beyond it, 422',
  },
  queryMaxRowsScanned: {
    flag: '--query-max-rows-scanned',
    env: 'VANTAGE_QUERY_MAX_ROWS_SCANNED',
    default: '50000000',
    schema: count,
    description:
      'Most stored rows one query may read (estimated before it runs; ClickHouse max_rows_to_read); beyond it, 422',
  },
} as const satisfies Record<string, SettingSpec>;

/** The query limits of the parsed settings, as the stores take them. */
export function answerLimits(values: {
  readonly queryMaxSeries: number;
  readonly queryMaxPoints: number;
  readonly queryMaxSeriesScanned: number;
  readonly queryMaxRowsScanned: number;
}): AnswerLimits {
  return {
    maxSeries: values.queryMaxSeries,
    maxPoints: values.queryMaxPoints,
    maxSeriesScanned: values.queryMaxSeriesScanned,
    maxRowsScanned: values.queryMaxRowsScanned,
  };
}
