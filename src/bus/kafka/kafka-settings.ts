import { hostname } from 'node:os';
import { z } from 'zod';
import { listSchema, positiveIntSchema } from '../../config/setting-spec.js';
import type { ParsedSettings, SettingSpec } from '../../config/setting-spec.js';
import { DEFAULT_GROUP_ID, DEFAULT_SPANS_TOPIC, DEFAULT_TOPIC } from './kafka-options.js';
import type { KafkaBusOptions } from './kafka-options.js';

const brokers = listSchema.pipe(
  z.array(
    z.string().regex(/^[^\s:,]+:\d{1,5}$/, {
      message: 'each broker must be host:port, such as kafka-1:9092',
    }),
  ),
);

const topicSchema = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9._-]{1,249}$/, 'must be 1-249 of letters, digits, . _ -');

/**
 * Where Kafka is for the distributed roles, and what this process is called there. Which role
 * requires the brokers is checked in parseRoleConfig.
 */
export const KAFKA_SETTINGS = {
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
    default: DEFAULT_TOPIC,
    schema: topicSchema,
    description: 'Kafka topic between collectors and workers',
  },
  kafkaSpansTopic: {
    flag: '--kafka-spans-topic',
    env: 'VANTAGE_KAFKA_SPANS_TOPIC',
    default: DEFAULT_SPANS_TOPIC,
    schema: topicSchema,
    description: 'Kafka topic of spans between collectors and workers, keyed by trace id',
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
    default: DEFAULT_GROUP_ID,
    schema: z.string().trim().min(1, 'must not be empty'),
    description: "The workers' Kafka consumer group",
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
} as const satisfies Record<string, SettingSpec>;

/**
 * The Kafka bus as the parsed settings describe it; `role` names the client to the brokers, and
 * a collector's --buffer-timeout (`bufferTimeout`) bounds how long the producer may try.
 */
export function kafkaBusOptions(
  values: ParsedSettings<typeof KAFKA_SETTINGS> & { readonly bufferTimeout: number },
  role: 'collector' | 'worker' | 'api',
): KafkaBusOptions {
  return {
    brokers: values.kafkaBrokers,
    clientId: `vantage-${role}-${values.instanceId}`,
    topic: values.kafkaTopic,
    groupId: values.kafkaGroup,
    partitions: values.kafkaPartitions,
    callerWaitMs: values.bufferTimeout,
  };
}

/**
 * The spans' Kafka bus: the metrics bus's brokers, client and partitions on a topic of its own, so
 * spans never queue behind metrics (or the reverse). The span worker consumes it with this too.
 */
export function kafkaSpansBusOptions(
  values: ParsedSettings<typeof KAFKA_SETTINGS> & { readonly bufferTimeout: number },
  role: 'collector' | 'worker' | 'api',
): KafkaBusOptions {
  return { ...kafkaBusOptions(values, role), topic: values.kafkaSpansTopic };
}
