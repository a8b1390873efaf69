import type { RoleConfig } from '../config/index.js';
import { answerLimits, ClickHouseStore, tierRetention } from '../storage/index.js';
import type { KafkaBusOptions } from '../bus/index.js';

/** The Kafka bus as the settings describe it; `role` names the client to the brokers. */
export function kafkaBusOptions(config: RoleConfig, role: 'collector' | 'worker' | 'api'): KafkaBusOptions {
  return {
    brokers: config.kafkaBrokers,
    clientId: `vantage-${role}-${config.instanceId}`,
    topic: config.kafkaTopic,
    groupId: config.kafkaGroup,
    partitions: config.kafkaPartitions,
    callerWaitMs: config.bufferTimeout,
  };
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
