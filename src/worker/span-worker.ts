import type { Logger } from 'pino';
import {
  abortableSleep,
  decodeSpanBatch,
  encodeSpanBatch,
  ok,
  retryWithBackoff,
  retryable,
} from '../core/index.js';
import type { BackoffPolicy, Outcome, Span } from '../core/index.js';
import type { BusConsumer, BusMessage } from '../bus/index.js';
import type { SpanOutbox, TraceStore } from '../storage/index.js';
import { workerBreaker } from './circuit-breaker.js';
import type { CircuitBreaker, CircuitBreakerState, WorkerBreakerSettings } from './circuit-breaker.js';
import { byPartition } from './decoded-batch.js';
import type { SpanWorkerMetrics } from './span-worker-metrics.js';

export interface SpanWorkerOptions {
  readonly busName: string;
  readonly batchMaxMessages: number;
  readonly lingerMs: number;
  readonly backoff: BackoffPolicy;
  /** As PipelineWorkerOptions.breaker: without it, failed writes are retried for ever. */
  readonly breaker?: WorkerBreakerSettings;
  /**
   * With a breaker: while it is open, batches go to this outbox (durably, then the bus commit) and
   * are replayed into the store when it is back; past `maxBytes`, nothing more is consumed.
   */
  readonly fallback?: { readonly outbox: SpanOutbox; readonly maxBytes: number };
  /** Spans one replay writes at most; default REPLAY_MAX_SPANS. */
  readonly replayMaxSpans?: number;
}

/**
 * Spans a replay writes in one insert (several outbox batches): an outage of 30 s left 1,300
 * batches of a few dozen spans each, which one insert apiece replayed at about one a second on
 * the test ClickHouse while new ones kept coming; ClickHouse itself wants few, large inserts.
 * About 5 MB of rows at ~600 bytes a span.
 */
export const REPLAY_MAX_SPANS = 8_192;

/** What became of a partition's batch. */
type Result = 'written' | 'diverted' | 'stopped';

/**
 * Consumes span batches from the spans bus and writes them to the trace store, committing a
 * partition's offset only after the store (or the fallback outbox) holds the batch durably.
 *
 * Simpler than PipelineWorker because span writes are idempotent in both stores (a span is keyed
 * by trace and span id): a batch written and then read again after a crash, in whatever cut, is
 * stored once, so no store checkpoint, pin or deduplication token is needed. What is the same:
 * the one retry wrapper with backoff, the circuit breaker, and commit-after-durable.
 *
 * Poison: a message that does not decode is counted, logged and committed past (it can never
 * decode); a span the store cannot hold is dead-lettered by the store with its reason. Neither is
 * retried.
 */
export class SpanWorker {
  private readonly abort = new AbortController();
  private readonly breaker: CircuitBreaker;
  private loop: Promise<void> | undefined;
  private draining = false;
  private lastError: string | undefined;

  constructor(
    private readonly consumer: BusConsumer,
    private readonly store: TraceStore,
    private readonly metrics: SpanWorkerMetrics,
    private readonly logger: Logger,
    private readonly options: SpanWorkerOptions,
  ) {
    this.breaker = workerBreaker(options.breaker, metrics.breakerState, (state) => {
      if (state === 'open') this.logger.error('span store breaker open: probing the store');
      else this.logger.warn({ state }, `span store breaker ${state}`);
    });
  }

  get problem(): string | undefined {
    return this.lastError;
  }

  get breakerState(): CircuitBreakerState {
    return this.breaker.state;
  }

  start(): void {
    this.loop = this.run();
  }

  /** Writes what the bus holds (for up to `drainMs`), then stops. */
  async stop(drainMs = 5_000): Promise<void> {
    this.draining = true;
    const timer = setTimeout(() => this.abort.abort(), drainMs);
    await this.loop;
    clearTimeout(timer);
  }

  private async run(): Promise<void> {
    while (!this.abort.signal.aborted) {
      await this.replayOutbox();
      const fallback = this.options.fallback;
      if (fallback && this.breaker.state === 'open' && fallback.outbox.bytesOnDisk() >= fallback.maxBytes) {
        // A full outbox takes nothing more: the bus keeps the messages until the store is back.
        await abortableSleep(this.breaker.waitMs() || this.options.backoff.initialDelayMs, this.abort.signal);
        continue;
      }
      let messages: BusMessage[];
      try {
        messages = await this.consumer.poll(
          this.options.batchMaxMessages,
          this.draining ? 0 : this.options.lingerMs,
        );
      } catch (err) {
        this.lastError = `reading the spans bus failed: ${(err as Error).message}`;
        this.logger.error({ err }, 'reading the spans bus failed; retrying');
        await abortableSleep(this.options.backoff.initialDelayMs, this.abort.signal);
        continue;
      }
      if (messages.length === 0 && this.draining) return;
      for (const [partition, list] of byPartition(messages)) {
        const last = list[list.length - 1];
        if (last === undefined) continue;
        const spans = this.decode(list);
        const result = await this.deliver(spans);
        if (result === 'stopped') {
          this.logger.error({ partition }, 'stopping with a span batch not written; it will be read again');
          return;
        }
        this.metrics.messagesConsumed.inc({ bus: this.options.busName }, list.length);
        try {
          await this.consumer.commit(partition, last.offset);
        } catch (err) {
          // Stored already: a re-read after a crash stores each span once.
          this.logger.warn({ err, partition, offset: last.offset }, 'spans bus commit failed; going on');
        }
      }
    }
  }

  private decode(messages: readonly BusMessage[]): Span[] {
    const spans: Span[] = [];
    for (const m of messages) {
      try {
        const batch = decodeSpanBatch(m.payload);
        if (!Array.isArray(batch)) throw new Error('the batch is not a list of spans');
        spans.push(...batch);
      } catch (err) {
        this.metrics.decodeFailures.inc();
        this.logger.error(
          { err, partition: m.partition, offset: m.offset },
          'undecodable span batch skipped (it can never decode)',
        );
      }
    }
    return spans;
  }

  /**
   * Into the store, or into the outbox while the breaker is not closed (with a fallback). Once it
   * is closed, new batches go to the store even while the outbox still holds a backlog: span
   * writes need no order, and the backlog then shrinks with every replay instead of growing with
   * every batch that arrives during it.
   */
  private async deliver(spans: readonly Span[]): Promise<Result> {
    const fallback = this.options.fallback;
    if (spans.length === 0) return 'written';
    if (fallback === undefined || this.breaker.state === 'closed') {
      const outcome = await retryWithBackoff(() => this.write(spans), this.options.backoff, {
        signal: this.abort.signal,
        gate: this.breaker,
        stopWhen: () => fallback !== undefined && this.breaker.state === 'open',
        onRetry: (err, attempt, delayMs) =>
          this.logger.warn({ err, attempt, delayMs }, 'span write failed; retrying'),
      });
      if (outcome.kind === 'ok') return 'written';
      if (this.abort.signal.aborted || fallback === undefined) return 'stopped';
    }
    const payload = encodeSpanBatch(spans);
    const outcome = await retryWithBackoff(
      async () => {
        try {
          fallback.outbox.append(payload, spans.length);
          return ok();
        } catch (err) {
          return retryable(err instanceof Error ? err : new Error(String(err)));
        }
      },
      this.options.backoff,
      {
        signal: this.abort.signal,
        onRetry: (err) => this.logger.error({ err }, 'appending to the span outbox failed; retrying'),
      },
    );
    if (outcome.kind !== 'ok') return 'stopped';
    this.metrics.outboxBatches.set(fallback.outbox.batches);
    return 'diverted';
  }

  private async write(spans: readonly Span[]): Promise<Outcome> {
    if (this.abort.signal.aborted) return retryable(new Error('the worker is stopping'));
    const stop = this.metrics.writeDuration.startTimer();
    try {
      const report = await this.store.writeSpans(spans);
      this.metrics.writes.inc({ outcome: 'ok' });
      this.metrics.spansStored.inc(report.stored);
      if (report.deadLettered > 0) {
        this.metrics.deadLetters.inc(report.deadLettered);
        this.logger.error(
          { deadLettered: report.deadLettered },
          'spans that can never be stored were set aside',
        );
      }
      this.lastError = undefined;
      return ok();
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      this.metrics.writes.inc({ outcome: 'retry' });
      this.lastError = error.message;
      return retryable(error);
    } finally {
      stop();
    }
  }

  /**
   * Replays the oldest outbox batches, up to `replayMaxSpans` in one write, when the breaker lets
   * a write through; one such write per turn of the loop, so the bus is still read (a consumer
   * that stops polling for long is dropped from its group) and the outbox drains beside it.
   */
  private async replayOutbox(): Promise<void> {
    const outbox = this.options.fallback?.outbox;
    if (outbox === undefined || this.draining || outbox.batches === 0) return;
    if (this.abort.signal.aborted || this.breaker.waitMs() > 0) return;
    const batches = outbox.oldest(this.options.replayMaxSpans ?? REPLAY_MAX_SPANS);
    const spans: Span[] = [];
    for (const batch of batches) {
      try {
        spans.push(...decodeSpanBatch(batch.payload));
      } catch (err) {
        this.metrics.decodeFailures.inc();
        this.logger.error({ err, batch: batch.id }, 'undecodable span batch in the outbox dropped');
      }
    }
    if (spans.length > 0) {
      const outcome = await this.write(spans);
      if (outcome.kind !== 'ok') {
        this.breaker.recordFailure();
        return;
      }
      this.breaker.recordSuccess();
    }
    // A kill -9 before this delete replays the batches again: the store keeps each span once.
    outbox.deleteAll(batches.map((b) => b.id));
    this.metrics.outboxBatches.set(outbox.batches);
    if (outbox.batches === 0) this.logger.warn('span outbox drained: every span is in the store');
  }
}
