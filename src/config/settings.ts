import { LOG_LEVEL_SETTING } from './setting-spec.js';
import type { SettingSpec } from './setting-spec.js';
import { AGENT_SETTINGS } from '../agent/agent-settings.js';
import { STREAM_SETTINGS } from '../api/stream/stream-settings.js';
import { HEALTH_SCORE_SETTINGS } from '../api/health-settings.js';
import { PIPELINE_SETTINGS } from '../api/pipeline-settings.js';
import { QUERY_API_SETTINGS } from '../api/query-api-settings.js';
import { QUERY_CACHE_SETTINGS } from '../api/query-cache-settings.js';
import { KAFKA_SETTINGS } from '../bus/kafka/kafka-settings.js';
import { AUTH_SETTINGS } from '../http/auth-settings.js';
import { HTTP_SETTINGS } from '../http/http-settings.js';
import { COLLECTOR_SETTINGS } from '../ingest/collector-settings.js';
import { SERIES_LIMIT_SETTINGS } from '../ingest/series-limit-settings.js';
import { STALL_SETTINGS } from '../ingest/stall-settings.js';
import { VALIDATION_SETTINGS } from '../ingest/validation-settings.js';
import { ANSWER_LIMIT_SETTINGS } from '../storage/answer-limit-settings.js';
import { CLICKHOUSE_SETTINGS } from '../storage/clickhouse/clickhouse-settings.js';
import { RETENTION_SETTINGS } from '../storage/retention-settings.js';
import { DATA_DIR_SETTINGS } from '../storage/sqlite/data-dir-settings.js';
import { QUERY_THREAD_SETTINGS } from '../storage/sqlite/query-thread-settings.js';
import { FALLBACK_SETTINGS } from '../worker/fallback-settings.js';
import { BREAKER_SETTINGS, WORKER_SETTINGS } from '../worker/worker-settings.js';
import { OTLP_SETTINGS } from '../ingest/otlp/otlp-settings.js';
import { NOTIFY_SETTINGS } from '../alerting/notify/notify-settings.js';
import { ALERTING_SETTINGS, DISTRIBUTED_ALERTING_SETTINGS } from '../alerting/alerting-settings.js';
import { SPAN_SETTINGS } from '../ingest/span-settings.js';

/**
 * Every setting of the Vantage server roles, gathered from the modules' own settings files. The
 * CLI builds its options from this table; the README's configuration table is checked against it.
 */
export const SETTINGS = {
  ...DATA_DIR_SETTINGS,
  ...HTTP_SETTINGS,
  ...COLLECTOR_SETTINGS,
  ...OTLP_SETTINGS,
  ...SPAN_SETTINGS,
  ...QUERY_API_SETTINGS,
  ...WORKER_SETTINGS,
  ...AUTH_SETTINGS,
  ...VALIDATION_SETTINGS,
  ...RETENTION_SETTINGS,
  ...STALL_SETTINGS,
  ...SERIES_LIMIT_SETTINGS,
  ...ANSWER_LIMIT_SETTINGS,
  ...STREAM_SETTINGS,
  ...QUERY_CACHE_SETTINGS,
  ...QUERY_THREAD_SETTINGS,
  ...HEALTH_SCORE_SETTINGS,
  ...NOTIFY_SETTINGS,
  ...ALERTING_SETTINGS,
  logLevel: LOG_LEVEL_SETTING,
} as const satisfies Record<string, SettingSpec>;

export type SettingKey = keyof typeof SETTINGS;

/**
 * The settings of the distributed roles (`vantage collector | worker | api | migrate`) beyond the
 * server settings they share with `vantage start`: where Kafka and ClickHouse are, the worker's
 * circuit breaker and fallback, and the pipeline's metrics. Which of them a role requires is
 * checked in parseRoleConfig.
 */
export const DISTRIBUTED_SETTINGS = {
  ...KAFKA_SETTINGS,
  ...CLICKHOUSE_SETTINGS,
  ...BREAKER_SETTINGS,
  ...PIPELINE_SETTINGS,
  ...FALLBACK_SETTINGS,
  ...DISTRIBUTED_ALERTING_SETTINGS,
} as const satisfies Record<string, SettingSpec>;

export type DistributedSettingKey = keyof typeof DISTRIBUTED_SETTINGS;

/** Every setting of `vantage agent`. */
export { AGENT_SETTINGS };
