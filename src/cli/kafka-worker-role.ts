import type { Logger } from 'pino';
import type { RoleConfig } from '../config/index.js';
import {
  KafkaConsumer,
  ensureTopic,
  kafkaBusOptions,
  kafkaSpansBusOptions,
  requireKafkaClient,
} from '../bus/index.js';
import type { RebalanceEvent } from '../bus/index.js';
import { SpanOutbox } from '../storage/index.js';
import { breakerOptions, createConsumerLagGauge } from '../worker/index.js';
import type { PipelineWorker } from '../worker/index.js';
import type { RunningRole } from './running-role.js';
import { clickHouseStore, clickHouseTraceStore, kafkaSource } from './distributed-wiring.js';
import { workerOutbox } from './fallback-wiring.js';
import { startWorkerRole } from './worker-role.js';
import { startSpanWorker } from './span-worker-role.js';

/**
 * `vantage worker`: one member of the consumer group, writing Kafka's messages to ClickHouse. It
 * migrates the schema first (safe from several workers at once), resumes each partition it is
 * given after the store's checkpoint, and pins replays so ClickHouse drops what it already has.
 */
export async function startKafkaWorkerRole(config: RoleConfig, logger: Logger): Promise<RunningRole> {
  requireKafkaClient();
  await ensureTopic(config.kafkaBrokers, config.kafkaTopic, config.kafkaPartitions);
  await ensureTopic(config.kafkaBrokers, config.kafkaSpansTopic, config.kafkaPartitions);
  const store = clickHouseStore(config);
  const traces = clickHouseTraceStore(config);
  try {
    const report = await store.migrate();
    logger.info({ ...report, database: store.database }, 'ClickHouse schema ready');
    // The trace tables came with the migrations above; this aligns their TTLs with the settings.
    const traceReport = await traces.migrate();
    logger.info({ ...traceReport }, 'ClickHouse trace tables ready');
  } catch (err) {
    await store.close();
    await traces.close();
    throw err;
  }
  let outbox;
  try {
    outbox = workerOutbox(config);
  } catch (err) {
    await store.close();
    await traces.close();
    throw err;
  }
  if (outbox) {
    logger.info(
      { outbox: outbox.path, batches: outbox.size().batches },
      'fallback: while the breaker is open, batches go to this SQLite outbox',
    );
  }
  let worker: PipelineWorker | undefined;
  const consumer = await KafkaConsumer.connect(kafkaBusOptions(config, 'worker'), {
    onAssigned: async (partitions) => {
      await worker?.onAssigned(partitions);
    },
    onRebalance: logRebalance(logger, config.kafkaTopic),
  });
  const role = await startWorkerRole({
    config,
    logger,
    consumer,
    store,
    source: kafkaSource(config),
    busName: 'kafka',
    processMetrics: true,
    traces,
    breaker: breakerOptions(config),
    pinReplays: true,
    ...(outbox ? { fallback: { outbox, maxBytes: config.fallbackMaxBytes } } : {}),
    onCreated: (created, registry) => {
      worker = created;
      createConsumerLagGauge(registry, () => consumer.lag());
    },
    readiness: (w) => ({
      store: () => {
        if (w.breakerState !== 'closed') {
          const held = outbox ? `; ${outbox.size().batches} batches in the fallback outbox` : '';
          return `circuit breaker ${w.breakerState}: ${w.problem ?? ''}${held}`;
        }
        return w.problem;
      },
      bus: () => (consumer.connected ? undefined : `Kafka unreachable (${config.kafkaBrokers.join(',')})`),
    }),
  });
  // Spans: a consumer group of their own on the spans topic (its members and rebalances are not
  // the aggregate workers'), into the trace tables; replays are harmless, the writes idempotent.
  const spansGroup = `${config.kafkaGroup}-spans`;
  const spanConsumer = await KafkaConsumer.connect(
    { ...kafkaSpansBusOptions(config, 'worker'), groupId: spansGroup },
    { onRebalance: logRebalance(logger, config.kafkaSpansTopic) },
  );
  const spanOutbox = outbox ? new SpanOutbox(`${outbox.path}.spans`) : undefined;
  const spanWorker = startSpanWorker({
    config,
    logger,
    consumer: spanConsumer,
    traces,
    registry: role.registry,
    busName: 'kafka',
    breaker: breakerOptions(config),
    ...(spanOutbox ? { fallback: { outbox: spanOutbox, maxBytes: config.fallbackMaxBytes } } : {}),
  });
  logger.info(
    {
      metricsPort: role.metricsPort,
      topic: config.kafkaTopic,
      group: config.kafkaGroup,
      spansTopic: config.kafkaSpansTopic,
      spansGroup,
    },
    'worker started',
  );
  return {
    ports: { workerMetrics: role.metricsPort },
    close: async () => {
      await Promise.all([role.stop(), spanWorker.stop()]);
      await Promise.all([consumer.close(), spanConsumer.close()]);
      outbox?.close();
      spanOutbox?.close();
      await store.close();
      await traces.close();
      logger.info('worker stopped');
    },
  };
}

/** A consumer's rebalances in the worker's log: which partitions it holds, and a refused assignment. */
function logRebalance(logger: Logger, topic: string): (event: RebalanceEvent) => void {
  return (event) => {
    if (event.kind === 'assigned')
      logger.info({ topic, partitions: event.partitions }, 'partitions assigned');
    else if (event.kind === 'revoked') logger.info({ topic }, 'partitions revoked');
    else
      logger.error(
        { topic, partitions: event.partitions, err: event.error },
        'librdkafka refused the assignment; the next poll applies it again',
      );
  };
}
