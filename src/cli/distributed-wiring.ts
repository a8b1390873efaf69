import type { RoleConfig } from '../config/index.js';
import { ClickHouseStore } from '../storage/index.js';
import type { KafkaBusOptions } from '../bus/index.js';
import { answerLimits, tierRetention } from './tier-retention.js';

/** The Kafka bus as the settings describe it; `role` names the client to the brokers. */
export function kafkaBusOptions(config: RoleConfig, role: 'collector' | 'worker' | 'api'): KafkaBusOptions {
  return {
    brokers: config.kafkaBrokers,
    clientId: `vantage-${role}-${config.instanceId}`,
    topic: config.kafkaTopic,
    groupId: config.kafkaGroup,
    partitions: config.kafkaPartitions,
    publishTimeoutMs: kafkaPublishTimeoutMs(config.bufferTimeout),
  };
}

/**
 * librdkafka's message timeout for a collector whose requests wait up to `bufferTimeoutMs`. It
 * must end clearly before the request's wait does: librdkafka scans for expired messages about
 * once a second, and a message still queued when the collector has already answered 503 could
 * reach Kafka afterwards, so that the client's retry would store it twice. Equal timeouts left
 * exactly that window. The margin is a fifth of the wait, between 1 s and 2 s, but never more
 * than half of it (10 s: 8 s; 3 s: 2 s; 1 s: 500 ms).
 */
export function kafkaPublishTimeoutMs(bufferTimeoutMs: number): number {
  const margin = Math.min(2_000, Math.max(1_000, Math.floor(bufferTimeoutMs / 5)));
  return Math.max(1, bufferTimeoutMs - margin, Math.floor(bufferTimeoutMs / 2));
}

export function clickHouseStore(config: RoleConfig): ClickHouseStore {
  return new ClickHouseStore({
    url: config.clickhouseUrl,
    username: config.clickhouseUser,
    password: config.clickhousePassword,
    database: config.clickhouseDatabase,
    cluster: config.clickhouseCluster,
    retention: tierRetention(config),
    answerLimits: answerLimits(config),
    // A fallback worker's rows name their batch, for the query API's merge with its outbox.
    recordBatchTokens: config.fallback === 'sqlite',
  });
}

/** Checkpoints of a Kafka worker are saved per topic. */
export function kafkaSource(config: RoleConfig): string {
  return `kafka:${config.kafkaTopic}`;
}
