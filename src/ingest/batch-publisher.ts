import { cumulativeKey, encodeAggregateBatch, MinuteAggregator } from '../core/index.js';
import type { CumulativePartial } from '../core/index.js';
import type { Sample } from '../core/index.js';
import type { MinuteAggregator as Aggregator } from '../core/index.js';
import type { BusProducer } from '../bus/index.js';
import type { CollectorMetrics } from './collector-metrics.js';
import { GroupCommit } from './group-commit.js';

/** One flush of the aggregator: what MinuteAggregator.drain returns. */
type Drained = ReturnType<Aggregator['drain']>;

export interface BatchPublisherOptions {
  /** Samples held at once, waiting to be durable; past it, requests get 503. */
  readonly maxPendingSamples: number;
  /** Longest a request waits for the bus before 503. */
  readonly timeoutMs: number;
}

/**
 * Pre-aggregates by minute and publishes with group commit (GroupCommit): samples from every
 * request that arrives while a publish is in flight fold into one set of minute aggregates,
 * published as one bus message when the previous publish completes. Each request's promise
 * resolves only when the message that holds its samples is durable in the bus: that is when the
 * collector may answer 202.
 */
export class BatchPublisher {
  private aggregator = new MinuteAggregator();
  private readonly commit: GroupCommit<Drained>;

  constructor(
    private readonly producer: BusProducer,
    options: BatchPublisherOptions,
    metrics: CollectorMetrics,
    busName: string,
  ) {
    this.commit = new GroupCommit<Drained>(
      {
        take: () => {
          const batch = this.aggregator.drain();
          return { batch, items: batch.samples };
        },
        publish: (batch) => this.publish(batch),
      },
      { maxPending: options.maxPendingSamples, timeoutMs: options.timeoutMs },
      metrics,
      busName,
      (samples) => metrics.bufferSamples.set(samples),
    );
  }

  /** Samples accepted but not yet durable. */
  get pending(): number {
    return this.commit.pending;
  }

  submit(samples: readonly Sample[]): Promise<void> {
    return this.submitWith(samples.length, (aggregator) => {
      for (const s of samples) aggregator.add(s);
    });
  }

  /**
   * Takes `count` samples that `fold` adds to the next message's aggregator (the protocol decoders
   * fold typed columns straight in, without a Sample per point). `fold` runs at once, or not at
   * all when the buffer cannot take `count` more.
   */
  submitWith(count: number, fold: (aggregator: Aggregator) => void): Promise<void> {
    return this.commit.submit(count, () => fold(this.aggregator));
  }

  /** Publishes what is pending, then refuses new samples. */
  close(): Promise<void> {
    return this.commit.close();
  }

  /**
   * One flush as bus messages: all in one on a bus of one partition (the embedded log). On a
   * partitioned bus the cumulative partials go apart, one message per series shard under that
   * shard's key, so that each cumulative series reaches one worker in order (src/core/cumulative.ts).
   */
  private async publish({ aggregates, cumulatives, exemplars, samples }: Drained): Promise<number> {
    const createdAt = Date.now();
    if (!this.producer.partitioned || cumulatives.length === 0) {
      await this.producer.publish(
        encodeAggregateBatch({ samples, createdAt, aggregates, cumulatives, exemplars }),
      );
      return 1;
    }
    const shards = new Map<string, CumulativePartial[]>();
    for (const c of cumulatives) {
      const key = cumulativeShardKey(c);
      const list = shards.get(key);
      if (list) list.push(c);
      else shards.set(key, [c]);
    }
    // The samples count once, on the first message (the worker sums them for its metrics).
    const publishes = [...shards].map(([key, list]) =>
      this.producer.publish(
        encodeAggregateBatch({ samples: 0, createdAt, aggregates: [], cumulatives: list }),
        key,
      ),
    );
    // Exemplars go with the aggregates: no order of theirs matters.
    publishes.push(
      this.producer.publish(encodeAggregateBatch({ samples, createdAt, aggregates, exemplars })),
    );
    await Promise.all(publishes);
    // Counted as one flush, as before the shards went apart: the metric counts group commits.
    return 1;
  }
}

/** Shards of cumulative series: more than a topic has partitions, so that every worker gets some. */
const CUMULATIVE_SHARDS = 64;

/** The bus key of a cumulative series' shard: a hash of the series, so one series, one partition. */
export function cumulativeShardKey(c: CumulativePartial): string {
  const key = cumulativeKey(c);
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return `cumulative-${(h >>> 0) % CUMULATIVE_SHARDS}`;
}
