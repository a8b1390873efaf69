import { randomBytes } from 'node:crypto';
import type { BusTail } from '../bus-tail.js';
import { resolveKafkaBusOptions } from './kafka-options.js';
import type { KafkaBusOptions, ResolvedKafkaBusOptions } from './kafka-options.js';
import { callback, kafkaLib } from './rdkafka.js';
import type { KafkaConsumer as RdConsumer, Message, Metadata } from './rdkafka.js';

export interface KafkaTailOptions {
  /** A fetch or metadata request failed; the tail keeps trying. */
  readonly onError?: (err: unknown) => void;
  /** How often the tail looks for partitions added to the topic (or the topic created). Default 10 s. */
  readonly refreshMs?: number;
}

/** Longest one fetch waits for a first message; also how soon `close()` is noticed. */
const CONSUME_WAIT_MS = 500;
const MAX_MESSAGES = 1_000;

/**
 * Tails the Kafka topic for live views. Every partition is assigned by hand (no group membership,
 * no rebalances, no commits: nothing a worker depends on), each starting at its high watermark as
 * of `start()`. Partitions that appear later (the topic created, or grown) are read from their
 * beginning: all they hold was published after the tail started.
 */
export class KafkaTail implements BusTail {
  private readonly assigned = new Set<number>();
  private loop: Promise<void> | undefined;
  private refresher: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(
    private readonly client: RdConsumer,
    private readonly bus: ResolvedKafkaBusOptions,
    private readonly options: KafkaTailOptions,
  ) {}

  static async connect(bus: KafkaBusOptions, options: KafkaTailOptions = {}): Promise<KafkaTail> {
    const resolved = resolveKafkaBusOptions(bus);
    const client = new kafkaLib.Consumer({
      'bootstrap.servers': resolved.brokers.join(','),
      'client.id': resolved.clientId,
      // Never joined (partitions are assigned by hand) and never committed to; librdkafka wants one
      // all the same. Unique, so that no tooling mistakes it for the workers' group.
      'group.id': `${resolved.clientId}-live-${randomBytes(4).toString('hex')}`,
      'enable.auto.commit': false,
      'enable.auto.offset.store': false,
      // Behind the topic's retention: skip to what is new.
      'auto.offset.reset': 'latest',
      // A live view wants each message as soon as the broker has it.
      'fetch.wait.max.ms': 100,
    });
    try {
      await callback<unknown>('connecting the Kafka live tail', (cb) =>
        client.connect({ timeout: resolved.requestTimeoutMs }, cb),
      );
    } catch (err) {
      client.disconnect();
      throw err;
    }
    client.setDefaultIsTimeoutOnlyForFirstMessage(true);
    client.setDefaultConsumeTimeout(CONSUME_WAIT_MS);
    return new KafkaTail(client, resolved, options);
  }

  async start(onPayloads: (payloads: readonly Buffer[]) => void): Promise<void> {
    if (this.loop) throw new Error('the Kafka tail is already started');
    const partitions = await this.partitions();
    const ends = await Promise.all(partitions.map((p) => this.highWatermark(p)));
    this.assign(partitions.map((partition, i) => ({ partition, offset: ends[i] as number })));
    this.refresher = setInterval(() => void this.assignNewPartitions(), this.options.refreshMs ?? 10_000);
    this.refresher.unref();
    this.loop = this.run(onPayloads);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.refresher);
    await this.loop;
    await new Promise<void>((resolve) => this.client.disconnect(() => resolve()));
  }

  private async run(onPayloads: (payloads: readonly Buffer[]) => void): Promise<void> {
    while (!this.closed) {
      let messages: Message[];
      try {
        messages = await callback<Message[]>(`reading ${this.bus.topic}`, (cb) =>
          this.client.consume(MAX_MESSAGES, (err, m) => cb(err, m)),
        );
      } catch (err) {
        this.options.onError?.(err);
        await new Promise((resolve) => setTimeout(resolve, CONSUME_WAIT_MS));
        continue;
      }
      const payloads = messages.flatMap((m) => (m.value ? [m.value] : []));
      if (payloads.length > 0 && !this.closed) onPayloads(payloads);
    }
  }

  private async assignNewPartitions(): Promise<void> {
    try {
      const fresh = (await this.partitions()).filter((p) => !this.assigned.has(p));
      this.assign(fresh.map((partition) => ({ partition, offset: 0 })));
    } catch (err) {
      this.options.onError?.(err);
    }
  }

  private assign(positions: readonly { partition: number; offset: number }[]): void {
    if (positions.length === 0 || this.closed) return;
    this.client.incrementalAssign(positions.map((p) => ({ topic: this.bus.topic, ...p })));
    for (const p of positions) this.assigned.add(p.partition);
  }

  /** The topic's partitions; none while it does not exist. */
  private async partitions(): Promise<number[]> {
    const metadata = await callback<Metadata>(`reading the metadata of ${this.bus.topic}`, (cb) =>
      this.client.getMetadata({ topic: this.bus.topic, timeout: this.bus.requestTimeoutMs }, cb),
    );
    const topic = metadata.topics.find((t) => t.name === this.bus.topic);
    return (topic?.partitions ?? []).map((p) => p.id).sort((a, b) => a - b);
  }

  private async highWatermark(partition: number): Promise<number> {
    const { highOffset } = await callback<{ highOffset: number }>(
      `reading the end of ${this.bus.topic}[${partition}]`,
      (cb) => this.client.queryWatermarkOffsets(this.bus.topic, partition, this.bus.requestTimeoutMs, cb),
    );
    return highOffset;
  }
}
