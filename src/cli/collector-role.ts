import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { RoleConfig } from '../config/index.js';
import {
  IsolatedKafkaBacklog,
  KafkaProducer,
  ensureTopic,
  kafkaBusOptions,
  kafkaSpansBusOptions,
  requireKafkaClient,
} from '../bus/index.js';
import { buildCollectorApp } from './collector-app.js';
import { ProcessAuth } from './process-auth.js';
import type { RunningRole } from './running-role.js';

/**
 * `vantage collector`: HTTP ingestion publishing to Kafka. A request gets 202 once the broker
 * acknowledged the message holding its samples (acks=all, idempotent producer).
 */
export async function startCollectorRole(config: RoleConfig, logger: Logger): Promise<RunningRole> {
  requireKafkaClient();
  const bus = kafkaBusOptions(config, 'collector');
  const partitions = await ensureTopic(config.kafkaBrokers, config.kafkaTopic, config.kafkaPartitions);
  const producer = await KafkaProducer.connect(bus, config.instanceId);
  // Spans on a topic of their own, created like the metrics topic, keyed by trace id.
  const spansBus = kafkaSpansBusOptions(config, 'collector');
  await ensureTopic(config.kafkaBrokers, config.kafkaSpansTopic, config.kafkaPartitions);
  const spanProducer = await KafkaProducer.connect(spansBus, config.instanceId);
  const { app, otlp, publisher, spanPublisher } = await buildCollectorApp(
    config,
    producer,
    spanProducer,
    'kafka',
    logger,
    {
      // An idle producer says nothing about the brokers: librdkafka connects when it has something
      // to send, so the spans' producer, idle while only metrics come, would stay "down" after the
      // brokers came back. It counts while it has messages waiting.
      bus: () =>
        producer.connected && (spanProducer.connected || spanProducer.inFlight === 0)
          ? undefined
          : `Kafka unreachable (${config.kafkaBrokers.join(',')})`,
    },
    new ProcessAuth(config),
    new IsolatedKafkaBacklog(bus),
  );
  let otlpPorts;
  try {
    await app.listen({ host: config.host, port: config.collectorPort });
    otlpPorts = await otlp.listen(config.host);
  } catch (err) {
    await app.close();
    await otlp.close();
    await Promise.all([publisher.close(), spanPublisher.close()]);
    await Promise.all([producer.close(0), spanProducer.close(0)]);
    throw err;
  }
  const port = (app.server.address() as AddressInfo).port;
  logger.info(
    { port, ...otlpPorts, topic: config.kafkaTopic, spansTopic: config.kafkaSpansTopic, partitions },
    'collector started',
  );
  return {
    ports: { collector: port, ...otlpPorts },
    close: async () => {
      await Promise.all([app.close(), otlp.close()]);
      await Promise.all([publisher.close(), spanPublisher.close()]);
      await Promise.all([producer.close(), spanProducer.close()]);
      logger.info('collector stopped');
    },
  };
}
