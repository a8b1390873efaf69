import type { Logger } from 'pino';
import { applyPartial, cumulativeKey, increaseAggregate, mergeAggregate } from '../core/index.js';
import type { Aggregate, CumulativePosition } from '../core/index.js';
import type { SavedPosition, Store } from '../storage/index.js';
import type { DecodedBatch } from './decoded-batch.js';
import type { WorkerMetrics } from './worker-metrics.js';

/** Default of the positions held in memory; more are read back from the store when needed. */
export const DEFAULT_MAX_CUMULATIVE_SERIES = 1_000_000;

/**
 * Where each cumulative series stands (src/core/cumulative.ts holds the rules): turns a batch's
 * cumulative partials, in bus order, into the increases its write stores, and hands the write the
 * positions it reached, which the store saves in the same transaction as the increases and the
 * checkpoint. A worker that restarts, or takes over a partition, reads them back: no increase is
 * counted twice or lost.
 *
 * Bounded: at most `maxSeries` positions in memory, the least recently used dropped first (it is
 * saved; the next batch of that series reads it back). A store that saves no positions (the
 * fallback outbox does not) leaves memory the only copy: said in docs/operations.md.
 */
export class CumulativeState {
  private readonly positions = new Map<string, CumulativePosition>();

  constructor(
    private readonly store: Store,
    private readonly metrics: WorkerMetrics,
    private readonly logger: Logger,
    private readonly maxSeries = DEFAULT_MAX_CUMULATIVE_SERIES,
  ) {}

  /**
   * Drops what memory holds, after a rebalance: a partition this worker gets (back) may have been
   * moved on by another worker, whose positions are in the store.
   */
  forget(): void {
    this.positions.clear();
    this.metrics.cumulativeSeries.set(0);
  }

  /**
   * Applies the batch's partials once: a retried write reuses what this leaves on the batch. The
   * increases join the batch's aggregates as rows of their own (partials of one series-minute from
   * several messages merged first); the stores merge rows of one series-minute exactly, so an
   * increase need not be folded into a delta counter of the same name and tags.
   */
  async convert(batch: DecodedBatch): Promise<void> {
    if (batch.cumulatives.length === 0) return;
    const keys = batch.cumulatives.map(cumulativeKey);
    await this.loadMissing(keys);
    const increases = new Map<string, Aggregate>();
    const reached = new Map<string, CumulativePosition>();
    batch.cumulatives.forEach((p, i) => {
      const key = keys[i] as string;
      const { increase, position } = applyPartial(this.positions.get(key), p);
      this.remember(key, position);
      reached.set(key, position);
      const agg = increaseAggregate(p, increase);
      if (agg === undefined) return;
      const minuteKey = `${key}\u0000${p.start}`;
      const existing = increases.get(minuteKey);
      if (existing === undefined) {
        increases.set(minuteKey, agg);
        batch.aggregates.push(agg);
      } else mergeAggregate(existing, agg);
    });
    batch.positions = [...reached].map(([key, position]): SavedPosition => ({ key, position }));
    this.metrics.cumulativeSeries.set(this.positions.size);
  }

  private async loadMissing(keys: readonly string[]): Promise<void> {
    const read = this.store.cumulativePositions?.bind(this.store);
    if (read === undefined) return;
    const missing = new Set<string>();
    for (const key of keys) if (!this.positions.has(key)) missing.add(key);
    if (missing.size === 0) return;
    try {
      for (const [key, position] of await read([...missing])) this.remember(key, position);
    } catch (err) {
      // The store is away. A series it holds a position for starts from a baseline instead (its
      // first increase here is lost); retrying would stop the fallback lane for every series.
      this.metrics.cumulativeReadFailures.inc();
      this.logger.warn({ err, series: missing.size }, 'could not read cumulative positions; new baselines');
    }
  }

  private remember(key: string, position: CumulativePosition): void {
    this.positions.delete(key);
    this.positions.set(key, position);
    if (this.positions.size <= this.maxSeries) return;
    const oldest = this.positions.keys().next().value;
    if (oldest !== undefined) this.positions.delete(oldest);
    this.metrics.cumulativeEvictions.inc();
  }
}
