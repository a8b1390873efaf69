import { ensureTopic } from './ensure-topic.js';
import { KafkaConsumer } from './kafka-consumer.js';

export interface KafkaLeaseOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** The lease's own single-partition topic; also the consumer group's name. */
  readonly topic: string;
  /**
   * How long the group waits for a member that stopped heartbeating before it hands the
   * partition to another: the handover time after a kill -9 is about this plus a rebalance.
   */
  readonly sessionTimeoutMs: number;
  /**
   * Runs when the partition is assigned, before `held` turns true: what the new holder must do
   * before it acts (the ruler: read what the previous one sent). Failing, it is tried again on
   * the next poll while the partition is still held.
   */
  readonly onAcquired?: () => Promise<void>;
  readonly onError?: (err: unknown) => void;
  /** Called with each change of `held`. */
  readonly onChange?: (held: boolean) => void;
}

/** How long one poll waits; also how soon a revocation turns `held` false at the latest. */
const POLL_WAIT_MS = 250;

/**
 * A lease held through Kafka's group membership: every process that wants it joins one consumer
 * group on a topic of one partition, and the member the group assigns partition 0 holds it.
 * Nothing is ever published to the topic. A member that dies stops heartbeating and loses the
 * partition after the session timeout; one cut off from the brokers learns of it from librdkafka
 * (the partition is revoked or lost), and stops holding at once.
 */
export class KafkaLease {
  private holding = false;
  private closed = false;
  private loop: Promise<void> | undefined;

  private constructor(
    private readonly consumer: KafkaConsumer,
    private readonly options: KafkaLeaseOptions,
  ) {}

  static async start(options: KafkaLeaseOptions): Promise<KafkaLease> {
    await ensureTopic(options.brokers, options.topic, 1, { maxMessageBytes: 1024 * 1024 });
    const consumer = await KafkaConsumer.connect({
      brokers: options.brokers,
      clientId: options.clientId,
      topic: options.topic,
      groupId: options.topic,
      sessionTimeoutMs: options.sessionTimeoutMs,
    });
    const lease = new KafkaLease(consumer, options);
    lease.loop = lease.run();
    return lease;
  }

  /** Whether this process holds the lease now (and `onAcquired` has completed). */
  get held(): boolean {
    return this.holding;
  }

  /** Leaves the group: another member gets the partition at once, not after the session timeout. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.set(false);
    await this.loop;
    await this.consumer.close();
  }

  private async run(): Promise<void> {
    while (!this.closed) {
      try {
        // librdkafka serves the group's rebalances during a poll.
        await this.consumer.poll(1, POLL_WAIT_MS);
        if (this.closed) break;
        const assigned = this.consumer.connected && this.consumer.assignment.includes(0);
        if (!assigned) this.set(false);
        else if (!this.holding) {
          await this.options.onAcquired?.();
          if (!this.closed && this.consumer.assignment.includes(0)) this.set(true);
        }
      } catch (err) {
        this.set(false);
        this.options.onError?.(err);
        await new Promise((resolve) => setTimeout(resolve, POLL_WAIT_MS));
      }
    }
  }

  private set(held: boolean): void {
    if (held === this.holding) return;
    this.holding = held;
    this.options.onChange?.(held);
  }
}
