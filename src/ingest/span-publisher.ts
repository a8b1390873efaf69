import { encodeSpanBatch } from '../core/index.js';
import type { Span } from '../core/index.js';
import type { BusProducer } from '../bus/index.js';
import type { CollectorMetrics } from './collector-metrics.js';
import { GroupCommit } from './group-commit.js';

export interface SpanPublisherOptions {
  /** Spans held at once, waiting to be durable (--span-buffer-max); past it, requests get 503. */
  readonly maxPendingSpans: number;
  /** Longest a request waits for the bus before 503 (--buffer-timeout). */
  readonly timeoutMs: number;
}

/**
 * Spans in one bus message at most: a message stays about a MB (about 260 bytes a span of ten
 * attributes in the binary batch, 600 as JSON), well under Kafka's message limit, and a worker's
 * batch stays small.
 */
export const SPANS_PER_MESSAGE = 4096;

/**
 * Group commit (GroupCommit) for spans, as BatchPublisher does for samples: the spans of every
 * request that arrives while a publish is in flight go out together when it completes, and each
 * request's promise resolves once the messages holding its spans are durable. On a partitioned bus (Kafka)
 * spans are grouped by trace id, one message per trace under the trace id as key, so that a
 * trace's spans land on one partition; on the embedded log, one message per SPANS_PER_MESSAGE.
 */
export class SpanPublisher {
  private queued: Span[] = [];
  private readonly commit: GroupCommit<Span[]>;

  constructor(
    private readonly producer: BusProducer,
    options: SpanPublisherOptions,
    metrics: CollectorMetrics,
    /** The `bus` label of the publish metrics: `embedded-spans`, `kafka-spans`. */
    busName: string,
  ) {
    this.commit = new GroupCommit<Span[]>(
      {
        take: () => {
          const batch = this.queued;
          this.queued = [];
          return { batch, items: batch.length };
        },
        publish: (spans) => this.publish(spans),
      },
      { maxPending: options.maxPendingSpans, timeoutMs: options.timeoutMs },
      metrics,
      busName,
    );
  }

  /** Spans accepted but not yet durable. */
  get pending(): number {
    return this.commit.pending;
  }

  /** Resolves once `spans` are durable; VTG_INGEST_OVERLOADED, VTG_INGEST_BUS_UNAVAILABLE otherwise. */
  submit(spans: readonly Span[]): Promise<void> {
    return this.commit.submit(spans.length, () => {
      for (const s of spans) this.queued.push(s);
    });
  }

  /** Publishes what is pending, then refuses new spans. */
  close(): Promise<void> {
    return this.commit.close();
  }

  /** Resolves with the number of messages published. */
  private async publish(spans: readonly Span[]): Promise<number> {
    if (!this.producer.partitioned) {
      const publishes: Promise<void>[] = [];
      for (let i = 0; i < spans.length; i += SPANS_PER_MESSAGE)
        publishes.push(this.producer.publish(encodeSpanBatch(spans.slice(i, i + SPANS_PER_MESSAGE))));
      await Promise.all(publishes);
      return publishes.length;
    }
    const traces = new Map<string, Span[]>();
    for (const s of spans) {
      const list = traces.get(s.traceId);
      if (list) list.push(s);
      else traces.set(s.traceId, [s]);
    }
    await Promise.all(
      [...traces].map(([traceId, list]) => this.producer.publish(encodeSpanBatch(list), traceId)),
    );
    return traces.size;
  }
}
