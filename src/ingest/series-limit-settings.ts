import { durationSchema, limitCountSchema as count } from '../config/setting-spec.js';
import type { SettingSpec } from '../config/setting-spec.js';
import type { SeriesLimits } from './active-series.js';

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

/** The collector's series limits, from the parsed settings. */
export function seriesLimits(values: {
  readonly maxSeriesPerMetric: number;
  readonly maxSeriesPerService: number;
  readonly maxActiveSeries: number;
  readonly activeSeriesWindow: number;
}): SeriesLimits {
  return {
    perMetric: values.maxSeriesPerMetric,
    perService: values.maxSeriesPerService,
    total: values.maxActiveSeries,
    windowMs: values.activeSeriesWindow,
  };
}
