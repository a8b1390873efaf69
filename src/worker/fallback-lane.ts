import type { Logger } from 'pino';
import { backoffDelay, ok, retryWithBackoff, retryable } from '../core/index.js';
import type { Aggregate, BackoffPolicy, Outcome } from '../core/index.js';
import type { Checkpoint, SqliteOutbox } from '../storage/index.js';
import type { CircuitBreaker, CircuitBreakerState } from './circuit-breaker.js';
import type { DecodedBatch } from './decoded-batch.js';
import type { FallbackMetrics } from './fallback-metrics.js';

/** A replay round may give the bus its turn after this long (see rule 5). */
export const REPLAY_ROUND_MS = 2_000;
/** ... and always does after this long: well within Kafka's max.poll.interval.ms (300 s). */
export const MAX_REPLAY_ROUND_MS = 60_000;

export interface FallbackOptions {
  readonly outbox: SqliteOutbox;
  /** While the breaker is open and the outbox is this large, consume nothing (Kafka buffers). */
  readonly maxBytes: number;
  readonly metrics: FallbackMetrics;
  /** REPLAY_ROUND_MS unless a test says otherwise. */
  readonly replayRoundMs?: number;
}

/** What the lane shares with its worker. */
export interface FallbackContext {
  readonly source: string;
  /** The worker's breaker: replays go through it, and the first one after it opened is its probe. */
  readonly breaker: CircuitBreaker;
  readonly backoff: BackoffPolicy;
  readonly logger: Logger;
  /** Aborted when the worker stops. */
  readonly signal: AbortSignal;
  /** The store write of a replayed batch: the write it would have had, same checkpoint, same token. */
  readonly replay: (
    aggregates: readonly Aggregate[],
    checkpoint: Checkpoint,
    samples: number,
    oldest: number,
  ) => Promise<Outcome>;
}

/**
 * The fallback lane of a Kafka worker (`--fallback sqlite`): where its batches go while ClickHouse
 * does not take them, and how they get back. The order of events, and why it keeps every batch's
 * deduplication token (a function of its partition and end offset only) right:
 *
 * 1. Routing. A batch of partition p goes to ClickHouse only when the breaker is closed and the
 *    outbox holds no batch of p; otherwise it is appended to the outbox, behind p's earlier
 *    batches. So, per partition, ClickHouse receives batches in offset order, each with the
 *    boundaries it was cut with, and p's checkpoint in ClickHouse only moves forward.
 * 2. Append, then commit. The append is one SQLite transaction (WAL, synchronous=FULL) holding the
 *    batch's checkpoint (source, p, end offset) and its aggregates; p's Kafka offset is committed
 *    only after it returned. A restarted worker seeks each partition after the later of the
 *    ClickHouse checkpoint and the outbox's last end, so a crash between the two neither loses
 *    nor re-reads the batch.
 * 3. Divert. A batch whose ClickHouse write kept failing until the breaker opened is appended
 *    unchanged: same end, so the same token as the attempt that may have landed. Its intent (the
 *    pinned end) equals that end, so a restart pins nothing beyond the outbox.
 * 4. Replay. At the top of each loop turn, while the breaker lets writes through, batches are
 *    replayed in append order (offset order within each partition) with `store.write(aggregates,
 *    [checkpoint])`, the rows in the order they were folded: exactly the write the batch would
 *    have had. The first replay after the breaker opened is its probe; success closes it. A
 *    batch is deleted only after ClickHouse acknowledged its data and its checkpoint: a kill -9
 *    in between leaves it in the outbox, the restarted worker sends the same rows with the same
 *    token, and ClickHouse drops the repeat.
 * 5. Interleaving. Between replay rounds the worker consumes: one gather, without lingering,
 *    reads what accumulated (up to --worker-batch-max-messages). New batches of partitions that
 *    still have outbox batches queue behind them (rule 1); the others go straight to ClickHouse.
 *    A gather appends at most one batch per partition, so a round ends only once it replayed more
 *    than twice the batches appended since the last one (and lasted REPLAY_ROUND_MS), or drained
 *    the outbox: under a steady load the outbox shrinks every round, however slow inserts are. A
 *    round never lasts more than MAX_REPLAY_ROUND_MS, so Kafka's poll interval holds; the
 *    consumer lag shows the wait.
 * 6. A replay failing while the breaker is still closed backs off (2 s, 4 s, ...) without
 *    stopping consumption: queued partitions keep appending, and enough failures open the breaker.
 * 7. A full outbox (`--fallback-max-bytes`) while the breaker is open: consume nothing, as without
 *    the fallback (Kafka buffers), and only probe.
 * 8. Rebalance. Outbox batches of a partition that moved to another worker are still replayed
 *    here: the new owner starts after the committed offset, past them, so its batches end
 *    elsewhere and carry other tokens. The partition's ClickHouse checkpoint may then step back to
 *    a replayed end, which only makes a later owner seek behind its committed offset: a no-op.
 *    A Kafka commit that failed after an append and a rebalance before the next one would let the
 *    new owner read the batch again: docs/operations.md says to keep partitions in place.
 */
export class FallbackLane {
  private readonly outbox: SqliteOutbox;
  private readonly source: string;
  private readonly logger: Logger;
  /** After a failed replay with the breaker still closed: no replay before this time. */
  private replayNotBefore = 0;
  private replayRetries = 0;
  /** Batches appended since the last replay round: the next one must replay more than twice these. */
  private appendedSinceRound = 0;

  constructor(
    private readonly options: FallbackOptions,
    private readonly context: FallbackContext,
  ) {
    this.outbox = options.outbox;
    this.source = context.source;
    this.logger = context.logger;
  }

  /** Must this partition's next batch go to the outbox rather than to the store? (rule 1) */
  mustQueue(partition: number, breaker: CircuitBreakerState): boolean {
    return breaker !== 'closed' || this.outbox.holds(this.source, partition);
  }

  get isEmpty(): boolean {
    return this.outbox.isEmpty;
  }

  /** The breaker is open and the outbox full: consume nothing until the probe (rule 7). */
  get closedToNewBatches(): boolean {
    return this.context.breaker.state === 'open' && this.outbox.bytesOnDisk() >= this.options.maxBytes;
  }

  /**
   * Appends the batch, durably, before the caller commits its bus offset (rule 2). A failing
   * append (a full disk) is retried with backoff: moving on would commit past the batch. False
   * only when the worker stops, with the batch uncommitted.
   */
  async queueUntilDone(batch: DecodedBatch): Promise<boolean> {
    const outcome = await retryWithBackoff(
      async () => {
        try {
          this.append(batch);
          return ok();
        } catch (err) {
          return retryable(err instanceof Error ? err : new Error(String(err)));
        }
      },
      this.context.backoff,
      {
        signal: this.context.signal,
        onRetry: (err, _attempt, delayMs) =>
          this.logger.error(
            { err, partition: batch.partition, delayMs },
            'appending to the fallback outbox failed; retrying',
          ),
      },
    );
    return outcome.kind === 'ok';
  }

  /**
   * Replays batches in append order while the breaker lets writes through, for one round at most
   * (rules 4-6). Each is deleted only after the store acknowledged it.
   */
  async replay(): Promise<void> {
    const { breaker, signal } = this.context;
    const started = Date.now();
    const owed = this.appendedSinceRound;
    this.appendedSinceRound = 0;
    let replayed = 0;
    const roundOver = (): boolean => {
      const elapsed = Date.now() - started;
      const round = this.options.replayRoundMs ?? REPLAY_ROUND_MS;
      return elapsed >= MAX_REPLAY_ROUND_MS || (elapsed >= round && replayed > 2 * owed);
    };
    while (!this.outbox.isEmpty && !roundOver() && !signal.aborted) {
      if (Date.now() < this.replayNotBefore || breaker.waitMs() > 0) return;
      const batch = this.fromOutbox(() => this.outbox.first())?.value;
      const aggregates = batch && this.fromOutbox(() => this.outbox.aggregates(batch.id))?.value;
      if (batch === undefined || aggregates === undefined) return;
      const outcome = await this.context.replay(aggregates, batch.checkpoint, batch.samples, batch.oldest);
      if (outcome.kind !== 'ok') {
        breaker.recordFailure();
        this.options.metrics.replayFailures.inc();
        this.fromOutbox(() => this.outbox.recordAttempt(batch.id));
        // Not a retry loop: the worker's loop comes back here between its own batches, so a failed
        // replay only sets when the next round may try (the backoff's delay, not its loop).
        const delayMs = backoffDelay(this.context.backoff, this.replayRetries);
        this.replayRetries += 1;
        if (breaker.state === 'closed') this.replayNotBefore = Date.now() + delayMs;
        this.logger.warn(
          { err: outcome.error, batch: batch.id },
          'replaying an outbox batch failed; it stays',
        );
        return;
      }
      breaker.recordSuccess();
      this.replayRetries = 0;
      // Should the delete fail, the batch is replayed again with the same token: ClickHouse drops it.
      if (!this.fromOutbox(() => this.outbox.remove(batch))) return;
      replayed += 1;
      this.options.metrics.batchesReplayed.inc();
      this.options.metrics.samplesReplayed.inc(batch.samples);
      if (this.outbox.isEmpty) this.logger.warn('fallback outbox drained: every batch is in the store');
    }
  }

  /** Per partition, the last offset the outbox holds: consumption resumes after it. */
  resumePositions(): Map<number, number> {
    return this.outbox.lastOffsets(this.source);
  }

  private append(batch: DecodedBatch): void {
    const first = batch.messages[0]?.offset ?? batch.end;
    const stored = this.outbox.append(
      {
        checkpoint: { source: this.source, partition: batch.partition, offset: batch.end },
        firstOffset: first,
        messages: batch.messages.length,
        samples: batch.samples,
        oldest: batch.oldest,
        attempts: batch.attempts,
      },
      batch.aggregates,
    );
    this.appendedSinceRound += 1;
    this.options.metrics.batchesAppended.inc();
    this.options.metrics.samplesAppended.inc(batch.samples);
    this.logger.debug(
      { id: stored.id, partition: batch.partition, from: first, end: batch.end, attempts: batch.attempts },
      'batch appended to the fallback outbox',
    );
  }

  /** An outbox read or write; a failure is logged and ends the replay round (undefined). */
  private fromOutbox<T>(run: () => T): { value: T } | undefined {
    try {
      return { value: run() };
    } catch (err) {
      this.logger.error({ err }, 'the fallback outbox failed; replay resumes later');
      this.replayNotBefore = Date.now() + this.context.backoff.initialDelayMs;
      return undefined;
    }
  }
}
