import type { Logger } from 'pino';
import {
  abortableSleep,
  foldAggregateBatch,
  failed,
  ok,
  retryable,
  retryWithBackoff,
} from '../core/index.js';
import type { Aggregate, BackoffPolicy, Outcome } from '../core/index.js';
import type { BusConsumer, BusMessage } from '../bus/index.js';
import type { Checkpoint, Store } from '../storage/index.js';
import type { WorkerMetrics } from './worker-metrics.js';

/** The longest a batch gathers, however slow writes get: data is queryable within about this. */
const MAX_WINDOW_MS = 5_000;

export interface PipelineWorkerOptions {
  /** Names the bus in checkpoints (the embedded log's id, or a Kafka topic). */
  readonly source: string;
  readonly busName: string;
  readonly batchMaxMessages: number;
  readonly lingerMs: number;
  readonly backoff: BackoffPolicy;
}

/**
 * Consumes aggregate batches from the bus, folds a batch of messages into one set of aggregates and
 * writes it to the store together with the bus position it reached. The store's checkpoint is
 * where a restarted worker resumes, so a message is applied once even if the worker dies between
 * the write and the bus commit.
 */
export class PipelineWorker {
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;
  private draining = false;
  private lastError: string | undefined;
  private lastWriteMs = 0;

  constructor(
    private readonly consumer: BusConsumer,
    private readonly store: Store,
    private readonly metrics: WorkerMetrics,
    private readonly logger: Logger,
    private readonly options: PipelineWorkerOptions,
  ) {}

  /** Why the last write failed, while it keeps failing. */
  get problem(): string | undefined {
    return this.lastError;
  }

  async start(): Promise<void> {
    for (const c of await this.store.checkpoints(this.options.source)) {
      await this.consumer.seekAfter(c.partition, c.offset);
    }
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
      let messages: BusMessage[];
      try {
        messages = await this.gather();
      } catch (err) {
        // The bus could not be read (a file error, a broker away): say so, wait, try again.
        const error = err instanceof Error ? err : new Error(String(err));
        this.lastError = `reading the bus failed: ${error.message}`;
        this.logger.error({ err: error }, 'reading the bus failed; retrying');
        await abortableSleep(this.options.backoff.initialDelayMs, this.abort.signal);
        continue;
      }
      if (messages.length === 0) {
        if (this.draining) return;
        continue;
      }
      const batch = this.decode(messages);
      const outcome = await retryWithBackoff(() => this.writeBatch(batch), this.options.backoff, {
        signal: this.abort.signal,
        onRetry: (error, attempt, delayMs) => {
          this.metrics.inserts.inc({ store: this.store.kind, outcome: 'retry' });
          this.logger.warn({ err: error, attempt, delayMs }, 'store write failed; retrying');
        },
      });
      if (outcome.kind !== 'ok') {
        // Only reachable when stopping: the messages stay uncommitted and are read again at start.
        this.logger.error({ err: outcome.error }, 'stopping with a batch not written; it will be replayed');
        return;
      }
      this.lastError = undefined;
      for (const [partition, offset] of lastOffsets(messages)) await this.consumer.commit(partition, offset);
    }
  }

  /**
   * One store write's worth of messages: after the first, keep gathering for the batch window or
   * up to `batchMaxMessages`. The window is `lingerMs`, stretched to four times the last write's
   * duration when writes get slow (backpressure): a write's cost follows the distinct series in it,
   * not the samples, so under load larger batches keep writes to about a fifth of the time while
   * throughput grows. Capped at MAX_WINDOW_MS so data stays fresh.
   */
  private async gather(): Promise<BusMessage[]> {
    const window = this.draining
      ? 0
      : Math.min(MAX_WINDOW_MS, Math.max(this.options.lingerMs, 4 * this.lastWriteMs));
    const batch = await this.consumer.poll(
      this.options.batchMaxMessages,
      this.draining ? 0 : this.options.lingerMs,
    );
    const deadline = Date.now() + window;
    while (batch.length > 0 && batch.length < this.options.batchMaxMessages && !this.abort.signal.aborted) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      const more = await this.consumer.poll(this.options.batchMaxMessages - batch.length, left);
      if (more.length === 0) break;
      batch.push(...more);
    }
    return batch;
  }

  /**
   * Decodes and merges once; a retried write reuses the result. A message that fails to decode
   * may have folded part of itself in already, so the fold starts again without it.
   */
  private decode(messages: readonly BusMessage[]): DecodedBatch {
    const skipped = new Set<BusMessage>();
    for (;;) {
      const merged = new Map<string, Aggregate>();
      let samples = 0;
      let oldest = Number.POSITIVE_INFINITY;
      let failed: BusMessage | undefined;
      for (const m of messages) {
        if (skipped.has(m)) continue;
        try {
          const header = foldAggregateBatch(m.payload, merged);
          samples += header.samples;
          oldest = Math.min(oldest, header.createdAt);
        } catch (err) {
          // Cannot succeed on retry: count it, log where it is, and go on without it.
          this.metrics.decodeFailures.inc();
          this.logger.error(
            { err, partition: m.partition, offset: m.offset },
            'undecodable bus message skipped',
          );
          failed = m;
          break;
        }
      }
      if (failed === undefined) return { messages, aggregates: [...merged.values()], samples, oldest };
      skipped.add(failed);
    }
  }

  private async writeBatch({ messages, aggregates, samples, oldest }: DecodedBatch): Promise<Outcome> {
    const checkpoints: Checkpoint[] = [...lastOffsets(messages)].map(([partition, offset]) => ({
      source: this.options.source,
      partition,
      offset,
    }));
    const stopTimer = this.metrics.writeDuration.startTimer({ store: this.store.kind });
    const started = Date.now();
    try {
      await this.store.write(aggregates, checkpoints);
    } catch (err) {
      stopTimer();
      const error = err instanceof Error ? err : new Error(String(err));
      this.lastError = error.message;
      return isPermanent(error) ? failed(error) : retryable(error);
    }
    stopTimer();
    this.lastWriteMs = Date.now() - started;
    this.metrics.inserts.inc({ store: this.store.kind, outcome: 'ok' });
    this.metrics.messagesConsumed.inc({ bus: this.options.busName }, messages.length);
    this.metrics.batchSize.set(messages.length);
    this.metrics.samplesStored.inc(samples);
    this.metrics.rowsWritten.inc(aggregates.length);
    if (Number.isFinite(oldest)) this.metrics.lagSeconds.set(Math.max(0, (Date.now() - oldest) / 1000));
    return ok();
  }
}

interface DecodedBatch {
  readonly messages: readonly BusMessage[];
  readonly aggregates: Aggregate[];
  readonly samples: number;
  readonly oldest: number;
}

function lastOffsets(messages: readonly BusMessage[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const m of messages) out.set(m.partition, Math.max(out.get(m.partition) ?? -1, m.offset));
  return out;
}

/**
 * Store errors are retried: a full disk, a locked file or an unreachable server all pass. None is
 * treated as permanent today, since giving up would drop acknowledged data.
 */
function isPermanent(_error: Error): boolean {
  return false;
}
