import { VantageError } from '../core/index.js';
import type { CollectorMetrics } from './collector-metrics.js';

export interface GroupCommitOptions {
  /** Items (samples, spans) held at once, waiting to be durable; past it, requests get 503. */
  readonly maxPending: number;
  /** Longest a request waits for the bus before 503. */
  readonly timeoutMs: number;
}

/** What one kind of publisher holds between flushes, and how one flush goes to the bus. */
export interface GroupCommitQueue<B> {
  /** Takes everything held so far, leaving the queue empty: the batch and how many items it holds. */
  take(): { readonly batch: B; readonly items: number };
  /** Publishes one flush; resolves with the number of bus messages it took. */
  publish(batch: B): Promise<number>;
}

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
}

/**
 * Group commit: what every request adds while a publish is in flight goes out together when that
 * publish completes, and each request's promise resolves only when the flush that holds its items
 * is durable in the bus: that is when the collector may answer. BatchPublisher (samples, folded
 * into minute aggregates) and SpanPublisher (spans) differ only in their GroupCommitQueue.
 */
export class GroupCommit<B> {
  private waiters: Waiter[] = [];
  private pendingItems = 0;
  private publishing = false;
  private closed = false;
  private idle: Promise<void> = Promise.resolve();
  private markIdle: () => void = () => undefined;

  constructor(
    private readonly queue: GroupCommitQueue<B>,
    private readonly options: GroupCommitOptions,
    private readonly metrics: CollectorMetrics,
    /** The `bus` label of the publish metrics. */
    private readonly busName: string,
    /** Told the number of items pending whenever it changes (a gauge, for samples). */
    private readonly onPending: (items: number) => void = () => undefined,
  ) {}

  /** Items accepted but not yet durable. */
  get pending(): number {
    return this.pendingItems;
  }

  /**
   * Takes `items` more that `add` puts in the queue: `add` runs at once, or not at all when the
   * buffer cannot take them (VTG_INGEST_OVERLOADED) or the publisher is closing. Resolves once they
   * are durable; rejects with VTG_INGEST_BUS_UNAVAILABLE when the bus fails or times out.
   */
  submit(items: number, add: () => void): Promise<void> {
    if (this.closed)
      return Promise.reject(
        new VantageError('VTG_SERVICE_UNAVAILABLE', { params: { reason: 'shutting down' }, retryAfter: 1 }),
      );
    if (this.pendingItems + items > this.options.maxPending) {
      this.metrics.bufferRejections.inc();
      return Promise.reject(
        new VantageError('VTG_INGEST_OVERLOADED', {
          params: { pending: this.pendingItems, retryAfter: 1 },
          retryAfter: 1,
        }),
      );
    }
    add();
    this.pendingItems += items;
    this.onPending(this.pendingItems);
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    if (!this.publishing) this.startPublishing();
    return done;
  }

  /** Publishes what is pending, then refuses new items. */
  async close(): Promise<void> {
    this.closed = true;
    await this.idle;
  }

  private startPublishing(): void {
    this.publishing = true;
    this.idle = new Promise((resolve) => (this.markIdle = resolve));
    // Let the requests already parsed in this turn of the event loop join the first flush.
    setImmediate(() => void this.publishLoop());
  }

  private async publishLoop(): Promise<void> {
    while (this.waiters.length > 0) {
      const { batch, items } = this.queue.take();
      const waiters = this.waiters;
      this.waiters = [];
      const stopTimer = this.metrics.publishDuration.startTimer({ bus: this.busName });
      try {
        const messages = await withTimeout(this.queue.publish(batch), this.options.timeoutMs);
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
        this.refuseQueued(err);
      } finally {
        this.pendingItems -= items;
        this.onPending(this.pendingItems);
      }
    }
    this.publishing = false;
    this.markIdle();
  }

  /**
   * After a failed publish, the requests that queued behind it are refused too, unpublished. They
   * arrived while the bus was failing; publishing them now would start a second full timeout, so a
   * request could wait about twice `timeoutMs` before its 503. Refused unpublished, their items
   * are certainly not stored, and a client that retries loses nothing and duplicates nothing.
   */
  private refuseQueued(err: VantageError): void {
    if (this.waiters.length === 0) return;
    const { items } = this.queue.take();
    const waiters = this.waiters;
    this.waiters = [];
    this.pendingItems -= items;
    for (const w of waiters) w.reject(err);
  }
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
