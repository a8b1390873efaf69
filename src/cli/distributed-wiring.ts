import type { RoleConfig } from '../config/index.js';
import {
  ClickHouseStore,
  ClickHouseTraceStore,
  clickHouseStoreOptions,
  clickHouseTraceStoreOptions,
} from '../storage/index.js';
import { fallbackOutboxes } from '../worker/index.js';

export function clickHouseStore(config: RoleConfig): ClickHouseStore {
  return new ClickHouseStore(clickHouseStoreOptions(config, fallbackOutboxes(config) !== undefined));
}

/** Checkpoints of a Kafka worker are saved per topic. */
export function kafkaSource(config: RoleConfig): string {
  return `kafka:${config.kafkaTopic}`;
}

/** Spans in the same ClickHouse database as the metrics, in tables of their own. */
export function clickHouseTraceStore(config: RoleConfig): ClickHouseTraceStore {
  return new ClickHouseTraceStore(clickHouseTraceStoreOptions(config));
}
