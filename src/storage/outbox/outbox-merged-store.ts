import type { Aggregate } from '../../core/index.js';
import type { LogicalPlan, VqlRow } from '../../query/index.js';
import type {
  BucketGroup,
  BucketQuery,
  Checkpoint,
  MetricSummary,
  RetentionReport,
  ServiceSummary,
  Store,
  StoreStats,
} from '../store.js';
import {
  mergeBucketGroups,
  mergeMetrics,
  mergeServices,
  outboxBucketGroups,
  replayedBatches,
} from './outbox-merge.js';
import type { StoredPositions } from './outbox-merge.js';
import type { FromBatch, OutboxQueries, OutboxReader } from './outbox-reader.js';

/** Services whose metric names are asked of the store at once, for a merged /v1/services. */
const NAME_LOOKUPS_AT_ONCE = 8;

/**
 * The query API's store with the fallback mode on: ClickHouse (or any store) plus the outboxes of
 * the workers whose batches ClickHouse has not taken yet. Answers to /v1/services, /v1/metrics and
 * bucket queries (time series, compare, health scores) include the outboxes' data; VQL, retention
 * and stats are the store's alone (docs/operations.md says what is served from where).
 *
 * Every read follows one order: the outbox snapshot first, then ClickHouse's checkpoints, then
 * ClickHouse's data. A batch deleted before the snapshot was stored before it, so it is in the
 * data; a batch replayed but not yet deleted is recognized by its checkpoint (replayedBatches) and
 * left out. What stays imprecise is the batch being replayed at that very moment: its data may be
 * in ClickHouse's answer while its checkpoint was not yet in the checkpoints read just before, and
 * then it counts twice in that one answer. Nothing is ever missing.
 */
export class OutboxMergedStore implements Store {
  readonly kind: string;

  constructor(
    private readonly primary: Store,
    private readonly outboxes: readonly OutboxReader[],
  ) {
    this.kind = `${primary.kind}+outbox`;
  }

  /** The query API only reads; the worker writes the store and the outbox. */
  async write(_aggregates: readonly Aggregate[], _checkpoints: readonly Checkpoint[]): Promise<void> {
    throw new Error('the query API does not write: the worker writes the store and its outbox');
  }

  async checkpoints(source: string): Promise<Checkpoint[]> {
    return this.primary.checkpoints(source);
  }

  async services(): Promise<ServiceSummary[]> {
    const pending = await this.unreplayed((q) => q.metrics());
    const base = await this.primary.services();
    if (pending.length === 0) return base;
    const services = [...new Set(pending.map((r) => r.service))];
    const known = new Map<string, string[]>();
    for (let i = 0; i < services.length; i += NAME_LOOKUPS_AT_ONCE) {
      const chunk = services.slice(i, i + NAME_LOOKUPS_AT_ONCE);
      const lists = await Promise.all(chunk.map((s) => this.primary.metrics(s)));
      chunk.forEach((s, j) =>
        known.set(
          s,
          (lists[j] ?? []).map((m) => m.name),
        ),
      );
    }
    return mergeServices(base, pending, known);
  }

  async metrics(service: string): Promise<MetricSummary[]> {
    const pending = await this.unreplayed((q) => q.series(service));
    const base = await this.primary.metrics(service);
    return pending.length === 0 ? base : mergeMetrics(base, pending);
  }

  async queryBuckets(q: BucketQuery): Promise<BucketGroup[]> {
    const pending = await this.unreplayed((o) => o.aggregates(q.service, q.metric, q.from, q.to));
    const base = await this.primary.queryBuckets(q);
    if (pending.length === 0) return base;
    return mergeBucketGroups(base, outboxBucketGroups(pending, q), q).filter((g) => g.buckets.length > 0);
  }

  /**
   * From the store alone: a VQL answer holds final values (averages, percentiles) that cannot be
   * merged with another source's.
   */
  async queryVql(plan: LogicalPlan): Promise<{ rows: VqlRow[]; sorted: boolean }> {
    return this.primary.queryVql(plan);
  }

  async applyRetention(now: number): Promise<RetentionReport> {
    return this.primary.applyRetention(now);
  }

  async stats(): Promise<StoreStats> {
    return this.primary.stats();
  }

  async close(): Promise<void> {
    for (const o of this.outboxes) o.close();
    await this.primary.close();
  }

  /**
   * What the outboxes hold that ClickHouse does not: `select` on one snapshot of each, less the
   * batches ClickHouse's checkpoints (read after the snapshots, before the caller reads the data)
   * show replayed.
   */
  private async unreplayed<T extends FromBatch>(select: (q: OutboxQueries) => T[]): Promise<T[]> {
    const reads = this.outboxes.flatMap((o) => {
      const read = o.read(select);
      return read === undefined || read.value.length === 0 ? [] : [read];
    });
    if (reads.length === 0) return [];
    const sources = new Set(reads.flatMap((r) => r.batches.map((b) => b.checkpoint.source)));
    const stored = new Map<string, Map<number, number>>();
    for (const source of sources) {
      const checkpoints = await this.primary.checkpoints(source);
      stored.set(source, new Map(checkpoints.map((c) => [c.partition, c.offset])));
    }
    return reads.flatMap((r) => {
      const done = replayedBatches(r.batches, stored as StoredPositions);
      return r.value.filter((row) => !done.has(row.batchId));
    });
  }
}
