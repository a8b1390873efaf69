import { cumulativeKey, encodeAggregateBatch, MinuteAggregator, VantageError } from '../core/index.js';
import type { Aggregate, CumulativePartial, SeriesExemplars } from '../core/index.js';
import type { Sample } from '../core/index.js';
import type { MinuteAggregator as Aggregator } from '../core/index.js';
import type { BusProducer } from '../bus/index.js';
import type { CollectorMetrics } from './collector-metrics.js';

export interface BatchPublisherOptions {
  /** Samples held at once, waiting to be durable; past it, requests get 503. */
  readonly maxPendingSamples: number;
  /** Longest a request waits for the bus before 503. */
  readonly timeoutMs: number;
}

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
}

/**
 * Pre-aggregates by minute and publishes with group commit: samples from every request that arrives
 * while a publish is in flight fold into one set of minute aggregates, published as one bus message
 * when the previous publish completes. Each request's promise resolves only when the message that
 * holds its samples is durable in the bus: that is when the collector may answer 202.
 */
export class BatchPublisher {
  private aggregator = new MinuteAggregator();
  private waiters: Waiter[] = [];
  private pendingSamples = 0;
  private publishing = false;
  private closed = false;
  private idle: Promise<void> = Promise.resolve();
  private markIdle: () => void = () => undefined;

  constructor(
    private readonly producer: BusProducer,
    private readonly options: BatchPublisherOptions,
    private readonly metrics: CollectorMetrics,
    private readonly busName: string,
  ) {}

  /** Samples accepted but not yet durable. */
  get pending(): number {
    return this.pendingSamples;
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
    if (this.closed)
      return Promise.reject(
        new VantageError('VTG_SERVICE_UNAVAILABLE', { params: { reason: 'shutting down' }, retryAfter: 1 }),
      );
    if (this.pendingSamples + count > this.options.maxPendingSamples) {
      this.metrics.bufferRejections.inc();
      return Promise.reject(
        new VantageError('VTG_INGEST_OVERLOADED', {
          params: { pending: this.pendingSamples, retryAfter: 1 },
          retryAfter: 1,
        }),
      );
    }
    fold(this.aggregator);
    this.pendingSamples += count;
    this.metrics.bufferSamples.set(this.pendingSamples);
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    if (!this.publishing) this.startPublishing();
    return done;
  }

  /** Publishes what is pending, then refuses new samples. */
  async close(): Promise<void> {
    this.closed = true;
    await this.idle;
  }

  private startPublishing(): void {
    this.publishing = true;
    this.idle = new Promise((resolve) => (this.markIdle = resolve));
    // Let the requests already parsed in this turn of the event loop join the first message.
    setImmediate(() => void this.publishLoop());
  }

  private async publishLoop(): Promise<void> {
    while (this.waiters.length > 0) {
      const { aggregates, cumulatives, exemplars, samples } = this.aggregator.drain();
      const waiters = this.waiters;
      this.waiters = [];
      const stopTimer = this.metrics.publishDuration.startTimer({ bus: this.busName });
      try {
        await withTimeout(this.publish(aggregates, cumulatives, exemplars, samples), this.options.timeoutMs);
        stopTimer();
        this.metrics.publishedMessages.inc({ bus: this.busName });
        for (const w of waiters) w.resolve();
      } catch (cause) {
        stopTimer();
        this.metrics.publishFailures.inc({ bus: this.busName });
        const reason = cause instanceof Error ? cause.message : String(cause);
        const err = new VantageError('VTG_INGEST_BUS_UNAVAILABLE', {
          params: { reason },
          cause,
          retryAfter: 1,
        });
        for (const w of waiters) w.reject(err);
        this.refuseQueued(err);
      } finally {
        this.pendingSamples -= samples;
        this.metrics.bufferSamples.set(this.pendingSamples);
      }
    }
    this.publishing = false;
    this.markIdle();
  }

  /**
   * One flush as bus messages: all in one on a bus of one partition (the embedded log). On a
   * partitioned bus the cumulative partials go apart, one message per series shard under that
   * shard's key, so that each cumulative series reaches one worker in order (src/core/cumulative.ts).
   */
  private async publish(
    aggregates: Aggregate[],
    cumulatives: CumulativePartial[],
    exemplars: SeriesExemplars[],
    samples: number,
  ): Promise<void> {
    const createdAt = Date.now();
    if (!this.producer.partitioned || cumulatives.length === 0) {
      await this.producer.publish(
        encodeAggregateBatch({ samples, createdAt, aggregates, cumulatives, exemplars }),
      );
      return;
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
  }

  /**
   * After a failed publish, the requests that queued behind it are refused too, unpublished. They
   * arrived while the bus was failing; publishing them now would start a second full timeout, so a
   * request could wait about twice `timeoutMs` before its 503. Refused unpublished, their samples
   * are certainly not stored, and a client that retries loses nothing and duplicates nothing.
   */
  private refuseQueued(err: VantageError): void {
    if (this.waiters.length === 0) return;
    const { samples } = this.aggregator.drain();
    const waiters = this.waiters;
    this.waiters = [];
    this.pendingSamples -= samples;
    for (const w of waiters) w.reject(err);
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

/** The bus's promise, or a rejection after `ms`: the one bound on how long a request waits for the bus. */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no acknowledgement from the bus within ${ms} ms`)), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
