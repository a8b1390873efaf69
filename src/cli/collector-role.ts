import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { RoleConfig } from '../config/index.js';
import {
  IsolatedKafkaBacklog,
  KafkaProducer,
  ensureTopic,
  kafkaBusOptions,
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
  const { app, otlp, publisher } = await buildCollectorApp(
    config,
    producer,
    'kafka',
    logger,
    { bus: () => (producer.connected ? undefined : `Kafka unreachable (${config.kafkaBrokers.join(',')})`) },
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
    await publisher.close();
    await producer.close(0);
    throw err;
  }
  const port = (app.server.address() as AddressInfo).port;
  logger.info({ port, ...otlpPorts, topic: config.kafkaTopic, partitions }, 'collector started');
  return {
    ports: { collector: port, ...otlpPorts },
    close: async () => {
      await Promise.all([app.close(), otlp.close()]);
      await publisher.close();
      await producer.close();
      logger.info('collector stopped');
    },
  };
}
