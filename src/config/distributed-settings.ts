import { hostname } from 'node:os';
import { z } from 'zod';
import { durationSchema, listSchema, positiveIntSchema } from './setting-spec.js';
import type { SettingSpec } from './setting-spec.js';
import { FALLBACK_SETTINGS } from './fallback-settings.js';
import { PIPELINE_SETTINGS } from './pipeline-settings.js';

/** ClickHouse database and cluster names go into DDL unquoted: plain identifiers only. */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const IDENTIFIER_MESSAGE = 'must be a plain identifier: letters, digits and _, not first a digit';
const identifier = z.string().trim().regex(IDENTIFIER, IDENTIFIER_MESSAGE);

/** Empty text (an exported but empty variable) means none. */
const optionalIdentifier = z
  .string()
  .optional()
  .transform((text) => (text === undefined || text.trim() === '' ? undefined : text.trim()))
  .refine((name) => name === undefined || IDENTIFIER.test(name), IDENTIFIER_MESSAGE);

const brokers = listSchema.pipe(
  z.array(
    z.string().regex(/^[^\s:,]+:\d{1,5}$/, {
      message: 'each broker must be host:port, such as kafka-1:9092',
    }),
  ),
);

const httpUrl = z
  .string()
  .trim()
  .refine((text) => text === '' || (URL.canParse(text) && /^https?:$/.test(new URL(text).protocol)), {
    message: 'must be an http:// or https:// URL such as http://clickhouse:8123',
  });

/**
 * The settings of the distributed roles (`vantage collector | worker | api | migrate`) beyond the
 * server settings they share with `vantage start` (SETTINGS): where Kafka and ClickHouse are, and
 * the worker's circuit breaker. Which of them a role requires is checked in parseRoleConfig.
 */
export const DISTRIBUTED_SETTINGS = {
  kafkaBrokers: {
    flag: '--kafka-brokers',
    env: 'VANTAGE_KAFKA_BROKERS',
    default: '',
    schema: brokers,
    description:
      'Comma-separated Kafka bootstrap brokers, host:port (collector, worker; api, for /v1/stream)',
  },
  kafkaTopic: {
    flag: '--kafka-topic',
    env: 'VANTAGE_KAFKA_TOPIC',
    default: 'metrics-raw',
    schema: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9._-]{1,249}$/, 'must be 1-249 of letters, digits, . _ -'),
    description: 'Kafka topic between collectors and workers',
  },
  kafkaPartitions: {
    flag: '--kafka-partitions',
    env: 'VANTAGE_KAFKA_PARTITIONS',
    default: '4',
    schema: positiveIntSchema,
    description: 'Partitions of the topic when Vantage creates it: the most workers that share the load',
  },
  kafkaGroup: {
    flag: '--kafka-group',
    env: 'VANTAGE_KAFKA_GROUP',
    default: 'vantage-worker',
    schema: z.string().trim().min(1, 'must not be empty'),
    description: "The workers' Kafka consumer group",
  },
  clickhouseUrl: {
    flag: '--clickhouse-url',
    env: 'VANTAGE_CLICKHOUSE_URL',
    default: '',
    schema: httpUrl,
    description: 'ClickHouse HTTP URL, such as http://clickhouse:8123 (worker, api, migrate)',
  },
  clickhouseUser: {
    flag: '--clickhouse-user',
    env: 'VANTAGE_CLICKHOUSE_USER',
    default: 'default',
    schema: z.string().min(1, 'must not be empty'),
    description: 'ClickHouse user (the API needs only SELECT; see docs/operations.md)',
  },
  clickhousePassword: {
    flag: '--clickhouse-password',
    env: 'VANTAGE_CLICKHOUSE_PASSWORD',
    default: '',
    schema: z.string(),
    secret: true,
    description: 'ClickHouse password',
  },
  clickhouseDatabase: {
    flag: '--clickhouse-database',
    env: 'VANTAGE_CLICKHOUSE_DATABASE',
    default: 'vantage',
    schema: identifier,
    description: 'ClickHouse database holding the Vantage tables',
  },
  clickhouseCluster: {
    flag: '--clickhouse-cluster',
    env: 'VANTAGE_CLICKHOUSE_CLUSTER',
    default: '',
    schema: optionalIdentifier,
    description: 'ClickHouse cluster: replicated, sharded tables and ON CLUSTER DDL (empty: one server)',
  },
  instanceId: {
    flag: '--instance-id',
    env: 'VANTAGE_INSTANCE_ID',
    default: `${hostname()}-${process.pid}`,
    schema: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9._:-]{1,128}$/, 'must be 1-128 of letters, digits, . _ : -'),
    description: 'Names this process to Kafka (client id, producer id in message keys)',
  },
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
  ...PIPELINE_SETTINGS,
  ...FALLBACK_SETTINGS,
} as const satisfies Record<string, SettingSpec>;

export type DistributedSettingKey = keyof typeof DISTRIBUTED_SETTINGS;
