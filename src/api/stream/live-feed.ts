import type { AggregateStats } from '../../core/index.js';

/**
 * Where the stream's data comes from: every batch of partial minute aggregates the collectors
 * publish on the bus, decoded once. The CLI builds it from the bus (the embedded log or a Kafka
 * tail), so the API module never imports the bus.
 */
export interface LiveFeed {
  /**
   * Resolves once the feed's position is fixed: every batch published after that reaches `sink`.
   */
  start(sink: LiveFeedSink): Promise<void>;
  close(): Promise<void>;
}

/** One bus message: the partial minute aggregates of one collector flush, without sketches. */
export interface LiveBatch {
  /** When the collector flushed, epoch ms. */
  readonly createdAt: number;
  readonly aggregates: readonly AggregateStats[];
}

export interface LiveFeedSink {
  /** False while no client subscribes: the feed may skip decoding batches nobody would receive. */
  readonly listening: boolean;
  /** One decoded bus message. */
  publish(batch: LiveBatch): void;
  /** A bus message that could not be read or decoded; it is skipped. */
  skipped(err: unknown): void;
}
