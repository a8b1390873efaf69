import type { Logger } from 'pino';
import { abortableSleep, ok, retryWithBackoff, retryable } from '../core/index.js';
import type { Aggregate, BackoffPolicy, Outcome, SeriesExemplars } from '../core/index.js';
import type { BusConsumer, BusMessage } from '../bus/index.js';
import type { Checkpoint, DeadLetter, SavedPosition, Store, WriteReport } from '../storage/index.js';
import { workerBreaker } from './circuit-breaker.js';
import type { CircuitBreaker, CircuitBreakerState, WorkerBreakerSettings } from './circuit-breaker.js';
import { CumulativeState } from './cumulative-state.js';
import { byPartition, decodeBatch } from './decoded-batch.js';
import type { DecodedBatch } from './decoded-batch.js';
import { FallbackLane } from './fallback-lane.js';
import type { FallbackOptions } from './fallback-lane.js';
import type { WorkerMetrics } from './worker-metrics.js';

/** Dead letters named in the log line of one write; the metric and the table have them all. */
const DEAD_LETTERS_LOGGED = 5;

/** The longest a batch gathers, however slow writes get: data is queryable within about this. */
const MAX_WINDOW_MS = 5_000;

export interface PipelineWorkerOptions {
  /** Names the bus in checkpoints (the embedded log's id, or a Kafka topic). */
  readonly source: string;
  readonly busName: string;
  readonly batchMaxMessages: number;
  readonly lingerMs: number;
  readonly backoff: BackoffPolicy;
  /**
   * Stop writing after this many consecutive failures and only probe the store every
   * `probeIntervalMs` until a write succeeds. Without it, failed writes are retried with backoff
   * for ever.
   */
  readonly breaker?: WorkerBreakerSettings;
  /**
   * For stores whose write is not atomic but deduplicated by its checkpoints (ClickHouse): record
   * each batch's last offset before writing it, so that a batch replayed after a crash ends at the
   * same offset as the attempt that may have been applied, and gets the same deduplication token.
   */
  readonly pinReplays?: boolean;
  /**
   * With a breaker: while it is open, keep consuming into this local outbox and replay it into the
   * store when the store is back (FallbackLane says in which order, and why it is safe).
   */
  readonly fallback?: FallbackOptions;
  /**
   * Called after each store write of aggregates succeeds (a batch from the bus or a replay from
   * the outbox), with the earliest minute it wrote: cached answers reaching past it are stale.
   */
  readonly onStored?: (from: number) => void;
}

/** What became of a batch the worker tried to write. */
type WriteResult = 'written' | 'diverted' | 'stopped';

function earliestStart(aggregates: readonly Aggregate[]): number {
  let from = Infinity;
  for (const a of aggregates) if (a.start < from) from = a.start;
  return from;
}

/** Where a batch's intended end is recorded: a checkpoint source of its own in the same store. */
export function intentSource(source: string): string {
  return `${source}#intent`;
}

/**
 * Consumes aggregate batches from the bus, folds a batch of messages into one set of aggregates per
 * partition and writes it to the store together with the bus position it reached. The store's
 * checkpoint is where a restarted worker resumes, so a message is applied once even if the worker
 * dies between the write and the bus commit.
 *
 * One write covers one partition: its checkpoint (and with it ClickHouse's deduplication token)
 * then depends on that partition alone, and whichever worker owns the partition after a
 * rebalance or a crash can repeat it exactly.
 */
export class PipelineWorker {
  private readonly abort = new AbortController();
  private readonly breaker: CircuitBreaker;
  private loop: Promise<void> | undefined;
  private draining = false;
  private lastError: string | undefined;
  private lastWriteMs = 0;
  /** Partitions whose next write must end at this offset: a replay of a batch that may be stored. */
  private readonly pins = new Map<number, number>();
  /** Messages read but held for a later write (the rest of a pinned range, or what follows it). */
  private carry: BusMessage[] = [];
  /** Counts partition assignments: messages read before one are no longer ours to write. */
  private epoch = 0;
  private readonly fallback: FallbackLane | undefined;
  private readonly cumulative: CumulativeState;

  constructor(
    private readonly consumer: BusConsumer,
    private readonly store: Store,
    private readonly metrics: WorkerMetrics,
    private readonly logger: Logger,
    private readonly options: PipelineWorkerOptions,
  ) {
    this.breaker = workerBreaker(options.breaker, metrics.breakerState, (state) =>
      this.breakerChanged(state),
    );
    this.cumulative = new CumulativeState(store, metrics, logger);
    this.fallback =
      options.fallback && options.breaker
        ? new FallbackLane(options.fallback, {
            source: options.source,
            breaker: this.breaker,
            backoff: options.backoff,
            logger: logger.child({ component: 'fallback' }),
            signal: this.abort.signal,
            replay: async (aggregates, checkpoint, samples, oldest) => {
              const outcome = await this.storeWrite(aggregates, checkpoint, samples, oldest);
              if (outcome.kind !== 'ok')
                this.metrics.inserts.inc({ store: this.store.kind, outcome: 'retry' });
              return outcome;
            },
          })
        : undefined;
  }

  /** Why the last write failed, while it keeps failing. */
  get problem(): string | undefined {
    return this.lastError;
  }

  get breakerState(): CircuitBreakerState {
    return this.breaker.state;
  }

  async start(): Promise<void> {
    await this.resume(undefined);
    this.loop = this.run();
  }

  /**
   * The bus gave this worker these partitions (Kafka's `onAssigned`, called from a poll): resume
   * each after the store's checkpoint, and pin a batch that was recorded but not checkpointed.
   */
  async onAssigned(partitions: readonly number[]): Promise<void> {
    this.epoch += 1;
    this.carry = [];
    // Another worker may have moved a series on while it held the partition: read positions again.
    this.cumulative.forget();
    await this.resume(partitions);
  }

  /** Writes what the bus holds (for up to `drainMs`), then stops. */
  async stop(drainMs = 5_000): Promise<void> {
    this.draining = true;
    const timer = setTimeout(() => this.abort.abort(), drainMs);
    await this.loop;
    clearTimeout(timer);
  }

  private async resume(only: readonly number[] | undefined): Promise<void> {
    const mine = (p: number): boolean => only === undefined || only.includes(p);
    const saved = new Map<number, number>();
    for (const c of await this.store.checkpoints(this.options.source)) {
      if (!mine(c.partition)) continue;
      saved.set(c.partition, c.offset);
      await this.consumer.seekAfter(c.partition, c.offset);
    }
    // What the outbox holds was read and committed already, whether or not the store has it yet.
    for (const [partition, end] of this.fallback?.resumePositions() ?? []) {
      if (!mine(partition) || end <= (saved.get(partition) ?? -1)) continue;
      saved.set(partition, end);
      await this.consumer.seekAfter(partition, end);
    }
    this.pins.clear();
    if (!this.options.pinReplays) return;
    for (const intent of await this.store.checkpoints(intentSource(this.options.source))) {
      const done = saved.get(intent.partition);
      if (!mine(intent.partition) || (done !== undefined && intent.offset <= done)) continue;
      this.pins.set(intent.partition, intent.offset);
      this.logger.info(
        { partition: intent.partition, after: done, end: intent.offset },
        'replaying a batch that may already be stored: it will end where the first attempt did',
      );
    }
  }

  private async run(): Promise<void> {
    while (!this.abort.signal.aborted) {
      if (this.fallback && !this.draining) {
        await this.fallback.replay();
        // A full outbox takes nothing more: until the probe (a replay), the bus keeps the messages.
        if (this.fallback.closedToNewBatches) {
          await abortableSleep(this.breaker.waitMs(), this.abort.signal);
          continue;
        }
      }
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
      let wrote = false;
      for (const [partition, list] of byPartition(messages)) {
        const take = this.cut(partition, list);
        const last = take[take.length - 1];
        if (last === undefined) continue;
        const batch = this.decode(partition, take);
        await this.cumulative.convert(batch);
        let result: WriteResult = 'diverted';
        if (!this.fallback?.mustQueue(partition, this.breaker.state))
          result = await this.writeUntilDone(batch);
        if (result === 'stopped') {
          // Only when stopping: the messages stay uncommitted and are read again at start.
          this.logger.error({ partition }, 'stopping with a batch not written; it will be replayed');
          return;
        }
        if (result === 'diverted') {
          if (!(await this.fallback?.queueUntilDone(batch))) {
            this.logger.error(
              { partition },
              'stopping with a batch not in the outbox; it will be read again',
            );
            return;
          }
          this.metrics.messagesConsumed.inc({ bus: this.options.busName }, batch.messages.length);
          this.metrics.batchSize.set(batch.messages.length);
          this.metrics.batchMessages.observe(batch.messages.length);
        }
        wrote = true;
        this.pins.delete(partition);
        try {
          await this.consumer.commit(partition, last.offset);
        } catch (err) {
          // The store's checkpoint (or the outbox) already says where to resume; the next commit
          // catches up.
          this.logger.warn({ err, partition, offset: last.offset }, 'bus commit failed; going on');
        }
      }
      if (!wrote && this.draining) return;
    }
  }

  /**
   * What of one partition's messages to write now. A pinned partition writes exactly up to its
   * pin: until the range is complete its messages wait in `carry`, and what follows the pin waits
   * for the next write.
   */
  private cut(partition: number, list: BusMessage[]): BusMessage[] {
    const pin = this.pins.get(partition);
    const last = list[list.length - 1];
    if (pin === undefined || last === undefined) return list;
    if (last.offset < pin) {
      this.carry.push(...list);
      return [];
    }
    const take = list.filter((m) => m.offset <= pin);
    this.carry.push(...list.filter((m) => m.offset > pin));
    // The consumer started past the recorded range (the group had committed beyond it).
    if (take.length === 0) this.pins.delete(partition);
    return take;
  }

  /**
   * One store write's worth of messages: after the first, keep gathering for the batch window or
   * up to `batchMaxMessages`. The window is `lingerMs`, stretched to four times the last write's
   * duration when writes get slow (backpressure): a write's cost follows the distinct series in it,
   * not the samples, so under load larger batches keep writes to about a fifth of the time while
   * throughput grows. Capped at MAX_WINDOW_MS so data stays fresh.
   */
  private async gather(): Promise<BusMessage[]> {
    const max = this.options.batchMaxMessages;
    // A pinned range may be longer than what fits beside the carried messages: always read on.
    const room = (held: number): number => (this.pins.size > 0 ? max : Math.max(1, max - held));
    const window = this.draining ? 0 : this.gatherWindow();
    let epoch = this.epoch;
    let batch = this.carry;
    this.carry = [];
    const read = async (maxWaitMs: number): Promise<BusMessage[]> => {
      const got = await this.consumer.poll(room(batch.length), maxWaitMs);
      if (this.epoch !== epoch) {
        // A rebalance came with this poll: what was read before belongs to the new assignment's
        // owners, from the store's checkpoints.
        epoch = this.epoch;
        batch = [];
      }
      batch.push(...got);
      return got;
    };
    const first = await read(this.draining ? 0 : this.options.lingerMs);
    const deadline = Date.now() + window;
    let fresh = first.length;
    while (fresh > 0 && batch.length < max && !this.abort.signal.aborted) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      fresh = (await read(left)).length;
    }
    return batch;
  }

  /**
   * With the fallback: into the outbox while the breaker is open, large batches make few, cheap
   * replays; while a replay is pending, no lingering (the backlog is read as it is).
   */
  private gatherWindow(): number {
    if (this.fallback && this.breaker.state !== 'closed') return MAX_WINDOW_MS;
    if (this.fallback && !this.fallback.isEmpty) return 0;
    return Math.min(MAX_WINDOW_MS, Math.max(this.options.lingerMs, 4 * this.lastWriteMs));
  }

  /**
   * Writes one partition's batch until it is stored: retries with backoff while the breaker is
   * closed, then only a probe every interval while it is open; with a fallback outbox, the batch
   * is diverted there as soon as the breaker opens.
   */
  private async writeUntilDone(batch: DecodedBatch): Promise<WriteResult> {
    const outcome = await retryWithBackoff(
      async () => {
        // A write after the worker was told to stop could meet a closed store.
        if (this.abort.signal.aborted) return retryable(new Error('the worker is stopping'));
        batch.attempts += 1;
        const attempt = await this.writeBatch(batch);
        if (attempt.kind !== 'ok') this.metrics.inserts.inc({ store: this.store.kind, outcome: 'retry' });
        return attempt;
      },
      this.options.backoff,
      {
        signal: this.abort.signal,
        gate: this.breaker,
        // With a fallback, the batch goes to the outbox as soon as the breaker opens.
        stopWhen: () => this.fallback !== undefined && this.breaker.state === 'open',
        onRetry: (err, attempt, delayMs) =>
          this.logger.warn({ err, attempt, delayMs }, 'store write failed; retrying'),
      },
    );
    if (outcome.kind === 'ok') return 'written';
    // Only failures a retry may fix reach here (the store sets aside what it can never hold):
    // the worker is stopping, or the batch goes to the fallback outbox.
    return this.abort.signal.aborted ? 'stopped' : 'diverted';
  }

  private breakerChanged(state: CircuitBreakerState): void {
    if (state === 'open') {
      this.logger.error(
        {
          failures: this.breaker.consecutiveFailures,
          probeIntervalMs: this.options.breaker?.probeIntervalMs,
        },
        this.fallback
          ? 'circuit breaker open: consuming into the fallback outbox; probing the store'
          : 'circuit breaker open: not consuming; the bus keeps the messages; probing the store',
      );
    } else this.logger.warn({ state }, `circuit breaker ${state}`);
  }

  /** Decodes and merges once; a retried write (or the outbox) reuses the result. */
  private decode(partition: number, messages: readonly BusMessage[]): DecodedBatch {
    const end = messages[messages.length - 1]?.offset ?? -1;
    return decodeBatch(partition, messages, this.pins.get(partition) === end, (m, err) => {
      this.metrics.decodeFailures.inc();
      this.logger.error({ err, partition: m.partition, offset: m.offset }, 'undecodable bus message skipped');
    });
  }

  /** A batch read from the bus: its intent first when replays are pinned, then the write. */
  private async writeBatch(batch: DecodedBatch): Promise<Outcome> {
    const checkpoint: Checkpoint = {
      source: this.options.source,
      partition: batch.partition,
      offset: batch.end,
    };
    if (this.options.pinReplays && !batch.intentRecorded) {
      try {
        await this.store.write([], [{ ...checkpoint, source: intentSource(this.options.source) }]);
      } catch (err) {
        return this.failure(err);
      }
      batch.intentRecorded = true;
    }
    const outcome = await this.storeWrite(
      batch.aggregates,
      checkpoint,
      batch.samples,
      batch.oldest,
      batch.positions,
      batch.exemplars,
    );
    if (outcome.kind === 'ok') {
      this.metrics.messagesConsumed.inc({ bus: this.options.busName }, batch.messages.length);
      this.metrics.batchSize.set(batch.messages.length);
      this.metrics.batchMessages.observe(batch.messages.length);
    }
    return outcome;
  }

  /** One store write of aggregates with the checkpoint that names them (and gives their token). */
  private async storeWrite(
    aggregates: readonly Aggregate[],
    checkpoint: Checkpoint,
    samples: number,
    oldest: number,
    positions: readonly SavedPosition[] = [],
    exemplars: readonly SeriesExemplars[] = [],
  ): Promise<Outcome> {
    const stopTimer = this.metrics.writeDuration.startTimer({ store: this.store.kind });
    const started = Date.now();
    let report: WriteReport;
    try {
      report = await this.store.write(aggregates, [checkpoint], positions, exemplars);
    } catch (err) {
      return this.failure(err);
    } finally {
      stopTimer();
    }
    this.reportDeadLetters(report.deadLetters, checkpoint);
    this.lastWriteMs = Date.now() - started;
    this.lastError = undefined;
    this.metrics.inserts.inc({ store: this.store.kind, outcome: 'ok' });
    this.metrics.samplesStored.inc(samples);
    this.metrics.rowsWritten.inc(aggregates.length);
    if (Number.isFinite(oldest)) this.metrics.lagSeconds.set(Math.max(0, (Date.now() - oldest) / 1000));
    if (this.options.onStored && aggregates.length > 0) this.options.onStored(earliestStart(aggregates));
    return ok();
  }

  /** Says what the store set aside: it is stored, in the dead-letter table, but not in the data. */
  private reportDeadLetters(letters: readonly DeadLetter[], checkpoint: Checkpoint): void {
    if (letters.length === 0) return;
    this.metrics.deadLetters.inc(letters.length);
    const shown = letters.slice(0, DEAD_LETTERS_LOGGED).map((l) => ({
      service: l.aggregate.service,
      metric: l.aggregate.name,
      start: l.aggregate.start,
      reason: l.reason,
    }));
    this.logger.error(
      { deadLetters: letters.length, shown, partition: checkpoint.partition, offset: checkpoint.offset },
      'aggregates that can never be stored were set aside as dead letters (GET /v1/dead-letters)',
    );
  }

  /**
   * Every store failure is worth retrying: what can never be stored, the store sets aside as dead
   * letters instead of failing the write (src/storage/dead-letters.ts).
   */
  private failure(err: unknown): Outcome {
    const error = err instanceof Error ? err : new Error(String(err));
    this.lastError = error.message;
    return retryable(error);
  }
}
