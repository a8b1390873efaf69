import { durationSchema, portSchema, positiveIntSchema } from '../config/setting-spec.js';
import type { SettingSpec } from '../config/setting-spec.js';
import type { BatchPublisherOptions } from './batch-publisher.js';
import type { CollectorServerOptions } from './collector-server.js';

/** The collector's port, the bounds of its requests, and what it holds while the bus is slow. */
export const COLLECTOR_SETTINGS = {
  collectorPort: {
    flag: '--collector-port',
    env: 'VANTAGE_COLLECTOR_PORT',
    default: '8000',
    schema: portSchema,
    description: 'Collector HTTP port (POST /v1/metrics, its /metrics)',
  },
  rateLimitPerMinute: {
    flag: '--rate-limit-per-minute',
    env: 'VANTAGE_RATE_LIMIT_PER_MINUTE',
    default: '1000',
    schema: positiveIntSchema,
    description: 'Requests per minute per client IP and per API key (token bucket)',
  },
  maxBodyBytes: {
    flag: '--max-body-bytes',
    env: 'VANTAGE_MAX_BODY_BYTES',
    default: String(5 * 1024 * 1024),
    schema: positiveIntSchema,
    description: 'Largest request body, after gunzip',
  },
  bufferMaxSamples: {
    flag: '--buffer-max-samples',
    env: 'VANTAGE_BUFFER_MAX_SAMPLES',
    default: '100000',
    schema: positiveIntSchema,
    description: 'Samples the collector holds while waiting for the bus; beyond it, 503',
  },
  bufferTimeout: {
    flag: '--buffer-timeout',
    env: 'VANTAGE_BUFFER_TIMEOUT',
    default: '10s',
    schema: durationSchema(),
    description: 'Longest a request waits for the bus before 503',
  },
} as const satisfies Record<string, SettingSpec>;

/**
 * The default of `--buffer-max-samples` in `vantage collector`. A distributed collector holds
 * samples only while Kafka acknowledges them; when the brokers are away it should refuse early
 * (503, the client retries) rather than hold 100,000 samples in memory the way embedded mode,
 * whose bus is a local file, can afford to.
 */
export const COLLECTOR_ROLE_BUFFER_MAX_SAMPLES = '10000';

/** What the collector's publisher holds while the bus is slow, from the parsed settings. */
export function publisherOptions(values: {
  readonly bufferMaxSamples: number;
  readonly bufferTimeout: number;
}): BatchPublisherOptions {
  return { maxPendingSamples: values.bufferMaxSamples, timeoutMs: values.bufferTimeout };
}

/** The bounds of the collector's requests, from the parsed settings. */
export function requestBounds(values: {
  readonly rateLimitPerMinute: number;
  readonly maxBodyBytes: number;
}): Pick<CollectorServerOptions, 'rateLimitPerMinute' | 'maxBodyBytes'> {
  return { rateLimitPerMinute: values.rateLimitPerMinute, maxBodyBytes: values.maxBodyBytes };
}
