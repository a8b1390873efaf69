import { z } from 'zod';
import { LOG_LEVEL_SETTING, durationSchema, portSchema, positiveIntSchema } from './setting-spec.js';
import type { SettingSpec } from './setting-spec.js';
import { STREAM_SETTINGS } from '../api/stream/stream-settings.js';
import { QUERY_CACHE_SETTINGS } from './query-api-settings.js';
import { HEALTH_SCORE_SETTINGS } from '../api/health-settings.js';
import { QUERY_THREAD_SETTINGS } from '../storage/sqlite/query-thread-settings.js';
import { HTTP_SETTINGS } from '../http/http-settings.js';
import { AUTH_SETTINGS, apiKeysSchema } from './auth-settings.js';
import { STALL_SETTINGS } from '../ingest/stall-settings.js';
import { ANSWER_LIMIT_SETTINGS } from '../storage/answer-limit-settings.js';
import { RETENTION_SETTINGS } from '../storage/retention-settings.js';
import { SERIES_LIMIT_SETTINGS } from '../ingest/series-limit-settings.js';
import { VALIDATION_SETTINGS } from '../ingest/validation-settings.js';
import { OTLP_SETTINGS } from '../ingest/otlp/otlp-settings.js';

/**
 * Every setting of the Vantage server roles, once: flag, VANTAGE_* variable, default, schema. The
 * CLI builds its options from this table; the README's configuration table is checked against it.
 */
const port = portSchema;
const positiveInt = positiveIntSchema;
const duration = durationSchema();

export const SETTINGS = {
  dataDir: {
    flag: '--data-dir',
    env: 'VANTAGE_DATA_DIR',
    default: './vantage-data',
    schema: z.string().min(1),
    description: 'Directory for the embedded log and the SQLite store',
  },
  host: {
    flag: '--host',
    env: 'VANTAGE_HOST',
    default: '0.0.0.0',
    schema: z.string().min(1),
    description: 'Address the HTTP servers listen on',
  },
  collectorPort: {
    flag: '--collector-port',
    env: 'VANTAGE_COLLECTOR_PORT',
    default: '8000',
    schema: port,
    description: 'Collector HTTP port (POST /v1/metrics, its /metrics)',
  },
  ...OTLP_SETTINGS,
  apiPort: {
    flag: '--api-port',
    env: 'VANTAGE_API_PORT',
    default: '5000',
    schema: port,
    description: 'Query API HTTP port',
  },
  apiMetricsPort: {
    flag: '--api-metrics-port',
    env: 'VANTAGE_API_METRICS_PORT',
    default: '9091',
    schema: port,
    description: "Port of the query API's Prometheus /metrics",
  },
  workerMetricsPort: {
    flag: '--worker-metrics-port',
    env: 'VANTAGE_WORKER_METRICS_PORT',
    default: '9092',
    schema: port,
    description: "Port of the worker's Prometheus /metrics",
  },
  apiKeys: {
    flag: '--api-keys',
    env: 'VANTAGE_API_KEYS',
    default: '',
    schema: apiKeysSchema,
    secret: true,
    description:
      'Comma-separated API keys, each at least 32 characters (`vantage keys new`); empty means no authentication',
  },
  rateLimitPerMinute: {
    flag: '--rate-limit-per-minute',
    env: 'VANTAGE_RATE_LIMIT_PER_MINUTE',
    default: '1000',
    schema: positiveInt,
    description: 'Requests per minute per client IP and per API key (token bucket)',
  },
  maxBodyBytes: {
    flag: '--max-body-bytes',
    env: 'VANTAGE_MAX_BODY_BYTES',
    default: String(5 * 1024 * 1024),
    schema: positiveInt,
    description: 'Largest request body, after gunzip',
  },
  ...VALIDATION_SETTINGS,
  bufferMaxSamples: {
    flag: '--buffer-max-samples',
    env: 'VANTAGE_BUFFER_MAX_SAMPLES',
    default: '100000',
    schema: positiveInt,
    description: 'Samples the collector holds while waiting for the bus; beyond it, 503',
  },
  bufferTimeout: {
    flag: '--buffer-timeout',
    env: 'VANTAGE_BUFFER_TIMEOUT',
    default: '10s',
    schema: duration,
    description: 'Longest a request waits for the bus before 503',
  },
  workerBatchMaxMessages: {
    flag: '--worker-batch-max-messages',
    env: 'VANTAGE_WORKER_BATCH_MAX_MESSAGES',
    default: '1000',
    schema: positiveInt,
    description: 'Most bus messages the worker folds into one store write',
  },
  workerLinger: {
    flag: '--worker-linger',
    env: 'VANTAGE_WORKER_LINGER',
    default: '500ms',
    schema: duration,
    description:
      'How long the worker gathers messages into one store write (data is queryable after about this long)',
  },
  ...RETENTION_SETTINGS,
  maxPointsPerSeries: {
    flag: '--max-points-per-series',
    env: 'VANTAGE_MAX_POINTS_PER_SERIES',
    default: '11000',
    schema: positiveInt,
    description: 'Most points one query series may return',
  },
  ...HTTP_SETTINGS,
  ...AUTH_SETTINGS,
  ...STALL_SETTINGS,
  ...SERIES_LIMIT_SETTINGS,
  ...ANSWER_LIMIT_SETTINGS,
  ...STREAM_SETTINGS,
  ...QUERY_CACHE_SETTINGS,
  ...QUERY_THREAD_SETTINGS,
  ...HEALTH_SCORE_SETTINGS,
  logLevel: LOG_LEVEL_SETTING,
} as const satisfies Record<string, SettingSpec>;

export type SettingKey = keyof typeof SETTINGS;
