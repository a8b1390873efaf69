import { callback, errorCode, kafkaLib } from './rdkafka.js';
import type { Metadata } from './rdkafka.js';

export interface EnsureTopicOptions {
  /** The topic's `max.message.bytes` when created. Default 32 MiB (see KafkaBusOptions.maxMessageBytes). */
  readonly maxMessageBytes?: number;
  readonly replicationFactor?: number;
  readonly timeoutMs?: number;
}

/**
 * Creates `topic` with `partitions` partitions unless it exists, and waits until every partition has
 * a leader. Returns the topic's partition count (an existing topic keeps its own).
 */
export async function ensureTopic(
  brokers: readonly string[],
  topic: string,
  partitions: number,
  options: EnsureTopicOptions = {},
): Promise<number> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const bootstrap = brokers.join(',');
  const admin = kafkaLib.AdminClient.create({ 'bootstrap.servers': bootstrap, 'client.id': 'vantage-admin' });
  try {
    await callback<void>(`creating topic ${topic}`, (cb) =>
      admin.createTopic(
        {
          topic,
          num_partitions: partitions,
          replication_factor: options.replicationFactor ?? 1,
          config: { 'max.message.bytes': String(options.maxMessageBytes ?? 32 * 1024 * 1024) },
        },
        timeoutMs,
        (err) => cb(errorCode(err) === kafkaLib.ERR.ERR_TOPIC_ALREADY_EXISTS ? null : err),
      ),
    );
  } finally {
    admin.disconnect();
  }
  return waitForLeaders(bootstrap, topic, timeoutMs);
}

/** Metadata of a new topic reaches every broker a moment after the controller created it. */
async function waitForLeaders(bootstrap: string, topic: string, timeoutMs: number): Promise<number> {
  const client = new kafkaLib.Producer({ 'bootstrap.servers': bootstrap, 'client.id': 'vantage-admin' });
  await callback<unknown>('connecting to read metadata', (cb) => client.connect({ timeout: timeoutMs }, cb));
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const metadata = await callback<Metadata>(`reading the metadata of ${topic}`, (cb) =>
        client.getMetadata({ topic, timeout: timeoutMs }, cb),
      );
      const found = metadata.topics.find((t) => t.name === topic);
      if (found && found.partitions.length > 0 && found.partitions.every((p) => p.leader >= 0)) {
        return found.partitions.length;
      }
      if (Date.now() > deadline) throw new Error(`topic ${topic} has no leader for every partition yet`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await new Promise<void>((resolve) => client.disconnect(() => resolve()));
  }
}
