import { durationSchema, portSchema, positiveIntSchema } from '../config/setting-spec.js';
import type { SettingSpec } from '../config/setting-spec.js';
import type { PipelineWorkerOptions } from './pipeline-worker.js';

/** The worker's metrics port and how it gathers bus messages into store writes. */
export const WORKER_SETTINGS = {
  workerMetricsPort: {
    flag: '--worker-metrics-port',
    env: 'VANTAGE_WORKER_METRICS_PORT',
    default: '9092',
    schema: portSchema,
    description: "Port of the worker's Prometheus /metrics",
  },
  workerBatchMaxMessages: {
    flag: '--worker-batch-max-messages',
    env: 'VANTAGE_WORKER_BATCH_MAX_MESSAGES',
    default: '1000',
    schema: positiveIntSchema,
    description: 'Most bus messages the worker folds into one store write',
  },
  workerLinger: {
    flag: '--worker-linger',
    env: 'VANTAGE_WORKER_LINGER',
    default: '500ms',
    schema: durationSchema(),
    description:
      'How long the worker gathers messages into one store write (data is queryable after about this long)',
  },
} as const satisfies Record<string, SettingSpec>;

/** The circuit breaker of a worker writing to ClickHouse (`vantage worker`). */
export const BREAKER_SETTINGS = {
  breakerFailures: {
    flag: '--breaker-failures',
    env: 'VANTAGE_BREAKER_FAILURES',
    default: '5',
    schema: positiveIntSchema,
    description: "Consecutive store write failures that open the worker's circuit breaker",
  },
  breakerProbeInterval: {
    flag: '--breaker-probe-interval',
    env: 'VANTAGE_BREAKER_PROBE_INTERVAL',
    default: '60s',
    schema: durationSchema(),
    description: 'While the breaker is open, how often the worker tries the store again',
  },
} as const satisfies Record<string, SettingSpec>;

/** How the worker batches its store writes, from the parsed settings. */
export function workerBatching(values: {
  readonly workerBatchMaxMessages: number;
  readonly workerLinger: number;
}): Pick<PipelineWorkerOptions, 'batchMaxMessages' | 'lingerMs'> {
  return { batchMaxMessages: values.workerBatchMaxMessages, lingerMs: values.workerLinger };
}

/** The worker's circuit breaker, from the parsed settings. */
export function breakerOptions(values: {
  readonly breakerFailures: number;
  readonly breakerProbeInterval: number;
}): NonNullable<PipelineWorkerOptions['breaker']> {
  return { failureThreshold: values.breakerFailures, probeIntervalMs: values.breakerProbeInterval };
}
