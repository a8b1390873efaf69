import type { BusProducer } from '../bus.js';
import { resolveKafkaBusOptions } from './kafka-options.js';
import type { KafkaBusOptions, ResolvedKafkaBusOptions } from './kafka-options.js';
import { MessageKeys } from './message-key.js';
import { BrokerState } from './broker-state.js';
import { callback, describe, kafkaError, kafkaLib } from './rdkafka.js';
import type { LibrdKafkaError, Producer } from './rdkafka.js';

interface Pending {
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
}

/**
 * Publishes each payload as one message of the topic, idempotently (no duplicates from retries,
 * order kept per partition) and with `acks=all`. `publish()` resolves from the broker's delivery
 * report only: a message that librdkafka could not get acknowledged within `publishTimeoutMs`
 * (broker down, partition without leader) rejects, and nothing resolves otherwise. While a broker
 * is away librdkafka reconnects by itself and retries what is queued.
 */
export class KafkaProducer implements BusProducer {
  private readonly pending = new Map<number, Pending>();
  private readonly keys: MessageKeys;
  private nextId = 0;
  private closed = false;

  private constructor(
    private readonly client: Producer,
    private readonly options: ResolvedKafkaBusOptions,
    private readonly brokers: BrokerState,
    producerId: string | undefined,
  ) {
    this.keys = new MessageKeys(producerId);
    client.on('delivery-report', (err, report) => {
      const id: unknown = report.opaque;
      if (typeof id !== 'number') return;
      const waiter = this.pending.get(id);
      if (!waiter) return;
      this.pending.delete(id);
      if (err) {
        waiter.reject(kafkaError(`publish to ${this.options.topic} failed`, err));
      } else {
        this.brokers.delivered();
        waiter.resolve();
      }
    });
  }

  /**
   * Connects (fetches the cluster's metadata) and resolves when the producer can publish; rejects
   * if no broker answers within `requestTimeoutMs`. `producerId` names this producer in message keys
   * (default: random).
   */
  static async connect(options: KafkaBusOptions, producerId?: string): Promise<KafkaProducer> {
    const resolved = resolveKafkaBusOptions(options);
    const client = new kafkaLib.Producer({
      'bootstrap.servers': resolved.brokers.join(','),
      'client.id': resolved.clientId,
      'enable.idempotence': true,
      acks: -1, // all in-sync replicas
      'compression.codec': resolved.compression,
      'linger.ms': resolved.lingerMs,
      'message.timeout.ms': resolved.publishTimeoutMs,
      'message.max.bytes': resolved.maxMessageBytes,
      partitioner: 'murmur2_random',
      dr_cb: true,
      'statistics.interval.ms': BrokerState.STATS_INTERVAL_MS,
    });
    const brokers = BrokerState.watch(client);
    const producer = new KafkaProducer(client, resolved, brokers, producerId);
    await callback<unknown>('connecting the Kafka producer', (cb) =>
      client.connect({ timeout: resolved.requestTimeoutMs, topic: resolved.topic }, cb),
    );
    brokers.connected();
    // Delivery reports are served from librdkafka's queue by a background thread, as they come.
    client.setPollInBackground(true);
    return producer;
  }

  /** False while librdkafka reports every broker down; for /ready. */
  get connected(): boolean {
    return !this.closed && this.brokers.up;
  }

  /** Publishes waiting for acknowledgement. */
  get inFlight(): number {
    return this.pending.size;
  }

  readonly partitioned = true;

  publish(payload: Buffer, key?: string): Promise<void> {
    if (this.closed) return Promise.reject(new Error('Kafka producer is closed'));
    const id = ++this.nextId;
    return new Promise<void>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      try {
        // Fails at once when the message is too large or librdkafka's queue is full.
        this.client.produce(this.options.topic, null, payload, key ?? this.keys.next(), Date.now(), id);
      } catch (err) {
        this.pending.delete(id);
        reject(kafkaError(`publish to ${this.options.topic} failed`, err));
      }
    });
  }

  /**
   * Waits up to `flushMs` for what is in flight to be acknowledged, then disconnects; publishes
   * still unacknowledged then reject.
   */
  async close(flushMs = this.options.publishTimeoutMs): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    let flushError: LibrdKafkaError | undefined;
    await new Promise<void>((resolve) =>
      this.client.flush(flushMs, (err) => {
        flushError = err ?? undefined;
        resolve();
      }),
    );
    await new Promise<void>((resolve) => this.client.disconnect(() => resolve()));
    for (const [id, waiter] of this.pending) {
      this.pending.delete(id);
      const reason = flushError ? `: ${describe(flushError)}` : '';
      waiter.reject(new Error(`Kafka producer closed before the broker acknowledged${reason}`));
    }
  }
}
