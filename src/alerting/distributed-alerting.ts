import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { TierRetention } from '../core/index.js';
import type { Store } from '../storage/index.js';
import { KafkaLease } from '../bus/index.js';
import type { AlertSink, NotifierConfig } from './alert.js';
import { startAlerting } from './alerting-service.js';
import type { AlertingService } from './alerting-service.js';
import { ClickHouseAlertStateStore } from './clickhouse-alert-state-store.js';
import type { ClickHouseAlertStateStoreOptions } from './clickhouse-alert-state-store.js';
import type { RulesLimits } from './rules-limits.js';

/**
 * The ruler's Kafka session timeout: a leader killed without leaving the group hands over after
 * about this long plus a rebalance. 6 s is the brokers' default group.min.session.timeout.ms, the
 * shortest they accept; heartbeats go every 2 s.
 */
export const RULER_SESSION_TIMEOUT_MS = 6_000;

export interface DistributedAlertingOptions {
  readonly store: Pick<Store, 'queryVql'>;
  readonly clickhouse: ClickHouseAlertStateStoreOptions;
  /** Empty: no API can lead, so this one serves the shared state and evaluates nothing. */
  readonly kafkaBrokers: readonly string[];
  readonly rulerTopic: string;
  readonly clientId: string;
  readonly sink: AlertSink;
  /** What a new leader does before it evaluates: the notifications' reload(). */
  readonly beforeLeading: () => Promise<void>;
  readonly onNotifiers?: (notifiers: readonly NotifierConfig[]) => void;
  readonly logger: Logger;
  readonly registry: Registry;
  readonly limits: RulesLimits;
  readonly retention: TierRetention;
  readonly rulesDir: string;
}

/**
 * The ruler of `vantage api`: every API runs it on the shared state in ClickHouse, and the one
 * holding the ruler topic's partition evaluates. Becoming the holder, it first reads what the
 * previous one sent (beforeLeading); losing the partition, it stops before its next group.
 * Undefined, with the reason logged, when the state tables cannot be made (a read-only ClickHouse
 * user): the API then serves queries without alerting rather than not at all.
 */
export async function startDistributedAlerting(
  options: DistributedAlertingOptions,
): Promise<AlertingService | undefined> {
  const logger = options.logger.child({ component: 'ruler' });
  let state: ClickHouseAlertStateStore;
  try {
    state = await ClickHouseAlertStateStore.open(options.clickhouse);
  } catch (err) {
    logger.error({ err }, 'alerting is off: its ClickHouse tables could not be created');
    return undefined;
  }
  let lease: KafkaLease | undefined;
  try {
    if (options.kafkaBrokers.length === 0)
      logger.warn('no --kafka-brokers: this API serves alerts but never evaluates rules');
    else
      lease = await KafkaLease.start({
        brokers: options.kafkaBrokers,
        clientId: options.clientId,
        topic: options.rulerTopic,
        sessionTimeoutMs: RULER_SESSION_TIMEOUT_MS,
        onAcquired: options.beforeLeading,
        onChange: (held) =>
          logger.info(
            { topic: options.rulerTopic },
            held
              ? 'this API now evaluates the alerting rules'
              : 'this API no longer evaluates the alerting rules',
          ),
        onError: (err) => logger.warn({ err }, 'the ruler lease could not be kept'),
      });
  } catch (err) {
    await state.close();
    throw err;
  }
  const held = lease;
  let service: AlertingService;
  try {
    service = await startAlerting({
      store: options.store,
      state,
      sink: options.sink,
      logger: options.logger,
      registry: options.registry,
      limits: options.limits,
      retention: options.retention,
      rulesDir: options.rulesDir,
      leadership: { isLeader: () => held?.held ?? false },
      ...(options.onNotifiers ? { onNotifiers: options.onNotifiers } : {}),
    });
  } catch (err) {
    await held?.close();
    await state.close();
    throw err;
  }
  return {
    ...service,
    close: async () => {
      // Leave the group first: the next API leads at once, and this one evaluates no more.
      await held?.close();
      await service.close();
    },
  };
}
