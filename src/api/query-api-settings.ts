import { portSchema, positiveIntSchema } from '../config/setting-spec.js';
import type { SettingSpec } from '../config/setting-spec.js';

/**
 * The query API's ports and the size of a series in its answers, shared by `vantage start` and
 * `vantage api`. Each passes to buildApiServer and `listen` as it is.
 */
export const QUERY_API_SETTINGS = {
  apiPort: {
    flag: '--api-port',
    env: 'VANTAGE_API_PORT',
    default: '5000',
    schema: portSchema,
    description: 'Query API HTTP port',
  },
  apiMetricsPort: {
    flag: '--api-metrics-port',
    env: 'VANTAGE_API_METRICS_PORT',
    default: '9091',
    schema: portSchema,
    description: "Port of the query API's Prometheus /metrics",
  },
  maxPointsPerSeries: {
    flag: '--max-points-per-series',
    env: 'VANTAGE_MAX_POINTS_PER_SERIES',
    default: '11000',
    schema: positiveIntSchema,
    description: 'Most points one query series may return',
  },
} as const satisfies Record<string, SettingSpec>;
