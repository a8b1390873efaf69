import { encodeSpanBatch, VantageError } from '../core/index.js';
import type { Span } from '../core/index.js';
import type { BusProducer } from '../bus/index.js';
import { withTimeout } from './batch-publisher.js';
import type { CollectorMetrics } from './collector-metrics.js';

export interface SpanPublisherOptions {
  /** Spans held at once, waiting to be durable (--span-buffer-max); past it, requests get 503. */
  readonly maxPendingSpans: number;
  /** Longest a request waits for the bus before 503 (--buffer-timeout). */
  readonly timeoutMs: number;
}

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
}

/**
 * Spans in one bus message at most: a message stays a few MB (about 600 bytes a span of ten
 * attributes), well under Kafka's message limit, and a worker's batch stays small.
 */
export const SPANS_PER_MESSAGE = 4096;

/**
 * Group commit for spans, as BatchPublisher does for samples: the spans of every request that
 * arrives while a publish is in flight go out together when it completes, and each request's
 * promise resolves once the messages holding its spans are durable. On a partitioned bus (Kafka)
 * spans are grouped by trace id, one message per trace under the trace id as key, so that a
 * trace's spans land on one partition; on the embedded log, one message per SPANS_PER_MESSAGE.
 */
export class SpanPublisher {
  private queued: Span[] = [];
  private waiters: Waiter[] = [];
  private pendingSpans = 0;
  private publishing = false;
  private closed = false;
  private idle: Promise<void> = Promise.resolve();
  private markIdle: () => void = () => undefined;

  constructor(
    private readonly producer: BusProducer,
    private readonly options: SpanPublisherOptions,
    private readonly metrics: CollectorMetrics,
    /** The `bus` label of the publish metrics: `embedded-spans`, `kafka-spans`. */
    private readonly busName: string,
  ) {}

  /** Spans accepted but not yet durable. */
  get pending(): number {
    return this.pendingSpans;
  }

  /** Resolves once `spans` are durable; VTG_INGEST_OVERLOADED, VTG_INGEST_BUS_UNAVAILABLE otherwise. */
  submit(spans: readonly Span[]): Promise<void> {
    if (this.closed)
      return Promise.reject(
        new VantageError('VTG_SERVICE_UNAVAILABLE', { params: { reason: 'shutting down' }, retryAfter: 1 }),
      );
    if (this.pendingSpans + spans.length > this.options.maxPendingSpans) {
      this.metrics.bufferRejections.inc();
      return Promise.reject(
        new VantageError('VTG_INGEST_OVERLOADED', {
          params: { pending: this.pendingSpans, retryAfter: 1 },
          retryAfter: 1,
        }),
      );
    }
    for (const s of spans) this.queued.push(s);
    this.pendingSpans += spans.length;
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    if (!this.publishing) this.startPublishing();
    return done;
  }

  /** Publishes what is pending, then refuses new spans. */
  async close(): Promise<void> {
    this.closed = true;
    await this.idle;
  }

  private startPublishing(): void {
    this.publishing = true;
    this.idle = new Promise((resolve) => (this.markIdle = resolve));
    setImmediate(() => void this.publishLoop());
  }

  private async publishLoop(): Promise<void> {
    while (this.waiters.length > 0) {
      const spans = this.queued;
      const waiters = this.waiters;
      this.queued = [];
      this.waiters = [];
      const stopTimer = this.metrics.publishDuration.startTimer({ bus: this.busName });
      try {
        const messages = await withTimeout(this.publish(spans), this.options.timeoutMs);
        stopTimer();
        this.metrics.publishedMessages.inc({ bus: this.busName }, messages);
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
        // Refused unpublished, as BatchPublisher does: certainly not stored, so a retry duplicates nothing.
        const behind = this.waiters;
        this.waiters = [];
        this.pendingSpans -= this.queued.length;
        this.queued = [];
        for (const w of behind) w.reject(err);
      } finally {
        this.pendingSpans -= spans.length;
      }
    }
    this.publishing = false;
    this.markIdle();
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
