import { z } from 'zod';
import type { HealthMetricNames } from '../core/index.js';
import type { SettingSpec } from '../config/setting-spec.js';

/** A metric name as the collector accepts it (docs/api.md). */
const metricName = z
  .string()
  .trim()
  .regex(/^[A-Za-z_][A-Za-z0-9_.:]{0,255}$/, 'must be a metric name, such as http_requests_total');

/**
 * Which metrics health scores read, shared by `vantage start` and `vantage api`. The defaults are
 * the names the Python SDK's examples and the demo traffic send.
 */
export const HEALTH_SCORE_SETTINGS = {
  healthRequestsMetric: {
    flag: '--health-requests-metric',
    env: 'VANTAGE_HEALTH_REQUESTS_METRIC',
    default: 'http_requests_total',
    schema: metricName,
    description: 'Counter of requests, errors included, that health scores read',
  },
  healthErrorsMetric: {
    flag: '--health-errors-metric',
    env: 'VANTAGE_HEALTH_ERRORS_METRIC',
    default: 'http_errors_total',
    schema: metricName,
    description: 'Counter of failed requests that health scores read',
  },
  healthLatencyMetric: {
    flag: '--health-latency-metric',
    env: 'VANTAGE_HEALTH_LATENCY_METRIC',
    default: 'http_request_duration_ms',
    schema: metricName,
    description: 'Per-request latency gauge that health scores read (its p99)',
  },
} as const satisfies Record<string, SettingSpec>;

/** The metric names health scores read, from the parsed settings. */
export function healthMetricNames(values: {
  readonly healthRequestsMetric: string;
  readonly healthErrorsMetric: string;
  readonly healthLatencyMetric: string;
}): HealthMetricNames {
  return {
    requests: values.healthRequestsMetric,
    errors: values.healthErrorsMetric,
    latency: values.healthLatencyMetric,
  };
}
