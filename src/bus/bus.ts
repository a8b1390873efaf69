/**
 * The queue between collectors and workers. The embedded log (one process, local disk) and Kafka
 * implement it; the collector only publishes, the worker only consumes.
 */

export interface BusMessage {
  readonly partition: number;
  /** Position of the message in its partition; increases with every message. */
  readonly offset: number;
  readonly payload: Buffer;
}

export interface BusProducer {
  /**
   * Resolves once the payload is durable in the bus (on disk, or acknowledged by Kafka). Messages
   * with the same `key` land on the same partition, in order; without one, the bus spreads them.
   */
  publish(payload: Buffer, key?: string): Promise<void>;
  /**
   * True when the bus has partitions that different workers consume (Kafka): then what must be seen
   * in order by one worker (cumulative series) is published under a key of its own.
   */
  readonly partitioned?: boolean;
  close(): Promise<void>;
}

export interface BusConsumer {
  /**
   * Resolves with up to `maxMessages` messages after the last ones handed out, waiting at most
   * `maxWaitMs` for the first one; an empty array when none came.
   */
  poll(maxMessages: number, maxWaitMs: number): Promise<BusMessage[]>;
  /** Everything up to and including `offset` in `partition` is processed and may be discarded. */
  commit(partition: number, offset: number): Promise<void>;
  /** Resume a partition after `offset` (the last message already processed). */
  seekAfter(partition: number, offset: number): Promise<void>;
  close(): Promise<void>;
}
