import { z } from 'zod';
import { durationSchema } from './setting-spec.js';
import type { SettingSpec } from './setting-spec.js';

const count = z
  .string()
  .trim()
  .regex(/^\d+$/, 'must be a whole number')
  .transform(Number)
  .pipe(z.number().int().min(1).max(100_000_000));

/**
 * Cardinality limits of the collector (src/ingest/active-series.ts). Each collector enforces them
 * on the series it sees; docs/operations.md says how they add up across collectors. The defaults
 * are far above a normal deployment's and keep `vantage start` under about 1.6 GB of RSS at the
 * total limit (docs/benchmarks.md, "Series limits under a cardinality attack").
 */
export const SERIES_LIMIT_SETTINGS = {
  maxSeriesPerMetric: {
    flag: '--max-series-per-metric',
    env: 'VANTAGE_MAX_SERIES_PER_METRIC',
    default: '100000',
    schema: count,
    description: 'Active series of one metric (service and name); a new series past it is refused',
  },
  maxSeriesPerService: {
    flag: '--max-series-per-service',
    env: 'VANTAGE_MAX_SERIES_PER_SERVICE',
    default: '200000',
    schema: count,
    description: 'Active series of one service; a new series past it is refused',
  },
  maxActiveSeries: {
    flag: '--max-active-series',
    env: 'VANTAGE_MAX_ACTIVE_SERIES',
    default: '500000',
    schema: count,
    description: 'Active series in one collector; a new series past it is refused',
  },
  activeSeriesWindow: {
    flag: '--active-series-window',
    env: 'VANTAGE_ACTIVE_SERIES_WINDOW',
    default: '1h',
    schema: durationSchema(),
    description: 'A series counts as active for this long after its last sample',
  },
} as const satisfies Record<string, SettingSpec>;

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
