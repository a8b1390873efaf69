import type { BusConsumer, BusMessage } from '../bus.js';
import { BrokerState } from './broker-state.js';
import { resolveKafkaBusOptions } from './kafka-options.js';
import type { KafkaBusOptions, ResolvedKafkaBusOptions } from './kafka-options.js';
import { PartitionPositions } from './partition-positions.js';
import { callback, errorCode, kafkaLib } from './rdkafka.js';
import type { KafkaConsumer as RdConsumer, LibrdKafkaError, Message } from './rdkafka.js';

export interface KafkaConsumerHooks {
  /**
   * Called from `poll()` when a rebalance gave this consumer partitions, before any of their
   * messages is handed out. The worker reads the store's checkpoints of these partitions and calls
   * `seekAfter` for each: the store's position wins over the group's committed offset when ahead.
   */
  readonly onAssigned?: (partitions: readonly number[]) => Promise<void>;
  /**
   * Told of each rebalance this consumer takes part in (partitions given, or all taken back), and
   * of an assignment librdkafka refused, which the next poll tries again: for the role's log.
   */
  readonly onRebalance?: (event: RebalanceEvent) => void;
}

export type RebalanceEvent =
  | { readonly kind: 'assigned'; readonly partitions: readonly number[] }
  | { readonly kind: 'revoked' }
  | { readonly kind: 'assign-failed'; readonly partitions: readonly number[]; readonly error: unknown };

/**
 * One member of the workers' consumer group on the topic. Offsets are committed only by
 * `commit()` (no auto-commit, no automatic offset store). `poll()` fetches from every assigned
 * partition; a rebalance is applied during a poll (librdkafka serves it there), and messages of
 * partitions taken away are dropped, never handed out.
 */
export class KafkaConsumer implements BusConsumer {
  private readonly positions = new PartitionPositions();
  private polling = false;
  private closed = false;
  /**
   * An assignment librdkafka refused inside the rebalance callback. Given up, the consumer would
   * hold nothing while the group counts it as the partitions' owner, and nothing would be read
   * until the next rebalance; the next poll applies it instead.
   */
  private unapplied: { topic: string; partition: number }[] | undefined;

  private constructor(
    private readonly client: RdConsumer,
    private readonly options: ResolvedKafkaBusOptions,
    private readonly brokers: BrokerState,
    private readonly hooks: KafkaConsumerHooks,
  ) {}

  /** Connects and subscribes; partitions come with the first polls, once the group has formed. */
  static async connect(options: KafkaBusOptions, hooks: KafkaConsumerHooks = {}): Promise<KafkaConsumer> {
    const resolved = resolveKafkaBusOptions(options);
    // librdkafka calls the rebalance callback of the client built before the consumer that handles it.
    const self: { consumer?: KafkaConsumer } = {};
    const client = new kafkaLib.Consumer({
      'bootstrap.servers': resolved.brokers.join(','),
      'client.id': resolved.clientId,
      'group.id': resolved.groupId,
      'enable.auto.commit': false,
      'enable.auto.offset.store': false,
      'auto.offset.reset': 'earliest',
      'session.timeout.ms': resolved.sessionTimeoutMs,
      'heartbeat.interval.ms': Math.max(100, Math.floor(resolved.sessionTimeoutMs / 3)),
      'partition.assignment.strategy': 'range,roundrobin',
      'statistics.interval.ms': BrokerState.STATS_INTERVAL_MS,
      rebalance_cb: (err: LibrdKafkaError, assignment: { topic: string; partition: number }[]) =>
        self.consumer?.rebalance(err, assignment),
    });
    const brokers = BrokerState.watch(client);
    const consumer = new KafkaConsumer(client, resolved, brokers, hooks);
    self.consumer = consumer;
    await callback<unknown>('connecting the Kafka consumer', (cb) =>
      client.connect({ timeout: resolved.requestTimeoutMs, topic: resolved.topic }, cb),
    );
    brokers.connected();
    client.setDefaultIsTimeoutOnlyForFirstMessage(true);
    client.subscribe([resolved.topic]);
    return consumer;
  }

  /** False while librdkafka reports every broker down; for /ready. */
  get connected(): boolean {
    return !this.closed && this.brokers.up;
  }

  /** Partitions this member holds now. */
  get assignment(): readonly number[] {
    return this.positions.assigned;
  }

  async poll(maxMessages: number, maxWaitMs: number): Promise<BusMessage[]> {
    if (this.closed) throw new Error('Kafka consumer is closed');
    if (this.polling) throw new Error('Kafka consumer: poll() while a poll is in progress');
    this.polling = true;
    try {
      if (this.unapplied !== undefined) this.applyAssignment(this.unapplied);
      await this.startAssigned();
      const fetched = await this.consume(Math.max(1, maxMessages), Math.max(0, maxWaitMs));
      const accepted = this.positions.accept(fetched.map(toBusMessage));
      // A rebalance served during this fetch gives its partitions a start before the next one.
      if (accepted.length === 0 && this.positions.starting.length > 0) await this.startAssigned();
      return accepted;
    } finally {
      this.polling = false;
    }
  }

  /** Commits `offset + 1` (Kafka's next-to-read) for `partition`, and waits for the broker. */
  async commit(partition: number, offset: number): Promise<void> {
    if (this.closed) throw new Error('Kafka consumer is closed');
    // Lost in a rebalance: its new owner commits. The store's checkpoint covers what this one wrote.
    if (!this.positions.isAssigned(partition)) return;
    try {
      await callback<void>(`committing ${this.options.topic}[${partition}] at ${offset + 1}`, (cb) =>
        this.client.commitCb([{ topic: this.options.topic, partition, offset: offset + 1 }], cb),
      );
    } catch (err) {
      if (isRebalanceError(err)) return;
      throw err;
    }
    this.positions.committed(partition, offset);
  }

  async seekAfter(partition: number, offset: number): Promise<void> {
    if (this.closed) throw new Error('Kafka consumer is closed');
    const to = this.positions.seekAfter(partition, offset);
    if (to === undefined) return;
    await this.seek(partition, to);
    this.positions.seeked(partition, to);
  }

  /**
   * Messages not yet consumed per assigned partition: the partition's high watermark minus the
   * next offset this consumer will hand out (or, before it handed out any, the group's committed
   * offset; with none committed, the low watermark). Asks the broker; rejects when it cannot.
   */
  async lag(): Promise<Map<number, number>> {
    const partitions = this.positions.assigned;
    const unknown = partitions.filter((p) => this.positions.next(p) === undefined);
    const committed = unknown.length > 0 ? await this.committedOffsets(unknown) : new Map<number, number>();
    const watermarks = await Promise.all(
      partitions.map((p) =>
        callback<{ highOffset: number; lowOffset: number }>(
          `reading the watermarks of ${this.options.topic}[${p}]`,
          (cb) => this.client.queryWatermarkOffsets(this.options.topic, p, this.options.requestTimeoutMs, cb),
        ),
      ),
    );
    const out = new Map<number, number>();
    partitions.forEach((p, i) => {
      const { highOffset, lowOffset } = watermarks[i] ?? { highOffset: 0, lowOffset: 0 };
      const position = this.positions.next(p) ?? committed.get(p) ?? lowOffset;
      out.set(p, Math.max(0, highOffset - position));
    });
    return out;
  }

  /** Leaves the group (its partitions go to the other members at once) and disconnects. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await new Promise<void>((resolve) => this.client.disconnect(() => resolve()));
  }

  private rebalance(err: LibrdKafkaError, assignment: { topic: string; partition: number }[]): void {
    if (err.code === kafkaLib.ERR.ERR__ASSIGN_PARTITIONS) {
      this.applyAssignment(assignment);
      return;
    }
    // Revoked, or an error: give everything back.
    this.unapplied = undefined;
    this.positions.revokeAll();
    try {
      this.client.unassign();
    } catch {
      // Only when disconnecting: the group is being left anyway.
    }
    this.hooks.onRebalance?.({ kind: 'revoked' });
  }

  private applyAssignment(assignment: { topic: string; partition: number }[]): void {
    const partitions = assignment.map((a) => a.partition);
    try {
      this.client.assign(assignment);
    } catch (error) {
      this.positions.revokeAll();
      if (this.closed) return;
      this.unapplied = assignment;
      this.hooks.onRebalance?.({ kind: 'assign-failed', partitions, error });
      return;
    }
    this.unapplied = undefined;
    this.positions.assign(partitions);
    // Nothing to ask and nowhere to seek: hand out from the committed offset right away.
    if (!this.hooks.onAssigned) {
      for (const p of this.positions.starting) {
        if (!this.positions.hasTarget(p)) this.positions.started(p, undefined);
      }
    }
    this.hooks.onRebalance?.({ kind: 'assigned', partitions });
  }

  /**
   * Positions newly assigned partitions before their messages are handed out: lets the worker
   * say where its store is (`onAssigned` calling `seekAfter`), then seeks where that is ahead of
   * the committed offset, or back to messages dropped while the partition was starting.
   */
  private async startAssigned(): Promise<void> {
    const starting = this.positions.starting;
    if (starting.length === 0) return;
    if (this.hooks.onAssigned) await this.hooks.onAssigned(starting);
    const needed = this.positions.needCommitted();
    const committed = needed.length > 0 ? await this.committedOffsets(needed) : new Map<number, number>();
    for (const plan of this.positions.startPlans(committed)) {
      if (!this.positions.isAssigned(plan.partition)) continue;
      if (plan.seekTo !== undefined) await this.seek(plan.partition, plan.seekTo);
      this.positions.started(plan.partition, plan.seekTo);
    }
  }

  private async committedOffsets(partitions: readonly number[]): Promise<Map<number, number>> {
    const result = await callback<{ partition: number; offset: number }[]>(
      `reading the committed offsets of ${this.options.topic}`,
      (cb) =>
        this.client.committed(
          partitions.map((partition) => ({ topic: this.options.topic, partition })),
          this.options.requestTimeoutMs,
          cb,
        ),
    );
    const out = new Map<number, number>();
    // A negative offset is librdkafka's "none committed".
    for (const tp of result) if (tp.offset >= 0) out.set(tp.partition, tp.offset);
    return out;
  }

  private seek(partition: number, offset: number): Promise<void> {
    return callback<void>(`seeking ${this.options.topic}[${partition}] to ${offset}`, (cb) =>
      this.client.seek({ topic: this.options.topic, partition, offset }, this.options.requestTimeoutMs, cb),
    );
  }

  private consume(maxMessages: number, maxWaitMs: number): Promise<Message[]> {
    this.client.setDefaultConsumeTimeout(maxWaitMs);
    return callback<Message[]>(`reading ${this.options.topic}`, (cb) =>
      this.client.consume(maxMessages, (err, messages) => cb(err, messages)),
    );
  }
}

function toBusMessage(m: Message): BusMessage {
  return { partition: m.partition, offset: m.offset, payload: m.value ?? Buffer.alloc(0) };
}

/** The commit raced a rebalance: the partition is someone else's now. */
function isRebalanceError(err: unknown): boolean {
  const code = errorCode(err instanceof Error ? err.cause : err);
  return (
    code === kafkaLib.ERR.ERR_REBALANCE_IN_PROGRESS ||
    code === kafkaLib.ERR.ERR_ILLEGAL_GENERATION ||
    code === kafkaLib.ERR.ERR_UNKNOWN_MEMBER_ID ||
    code === kafkaLib.ERR.ERR__STATE
  );
}
