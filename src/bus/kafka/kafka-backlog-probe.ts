import { KafkaBacklog } from './kafka-backlog.js';
import type { KafkaBusOptions } from './kafka-options.js';

/**
 * One reading of the workers' backlog on Kafka, in a process of its own (IsolatedKafkaBacklog runs
 * it): options as JSON in argv[2], the positions as JSON on stdout, exit 0; an error on stderr,
 * exit 1. librdkafka's admin offset requests can crash the process that makes them when the
 * coordinator goes away (confluent-kafka-javascript issue 374: a NULL group in OffsetFetch's
 * NOT_COORDINATOR path), which is exactly when Kafka stops; here that ends this probe, not the
 * collector.
 */
async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2] ?? '{}') as KafkaBusOptions;
  const backlog = KafkaBacklog.open(options);
  try {
    process.stdout.write(JSON.stringify(await backlog.positions()));
  } finally {
    await backlog.close();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(err instanceof Error ? err.message : String(err));
    process.exit(1);
  },
);
