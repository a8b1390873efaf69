import type { Aggregate } from '../../core/index.js';
import type { LogicalPlan, VqlRow } from '../../query/index.js';
import type * as contract from '../store.js';
import type { Checkpoint, WriteReport } from '../store.js';
import type { BatchPresence } from '../batch-presence.js';
import { dedupToken } from '../clickhouse/rows.js';
import {
  batchesInStore,
  mergeBucketGroups,
  mergeMetrics,
  mergeServices,
  outboxBucketGroups,
} from './outbox-merge.js';
import type { OutboxAggregateRow, OutboxBatchRef, OutboxQueries, OutboxReader } from './outbox-reader.js';

/** Services whose metric names are asked of the store at once, for a merged /v1/services. */
const NAME_LOOKUPS_AT_ONCE = 8;
/**
 * Metric names read per outbox-only service to count its metrics in a merged /v1/services: a
 * service with more shows this many (the outbox holds minutes of an outage, not a catalog).
 */
const METRIC_NAMES_COUNTED = 10_000;

/**
 * The query API's store with the fallback mode on: ClickHouse (or any store) plus the outboxes of
 * the workers whose batches ClickHouse has not taken yet. Answers to /v1/services, /v1/metrics and
 * bucket queries (time series, compare, health scores) include the outboxes' data; VQL, retention
 * and stats are the store's alone (docs/operations.md says what is served from where).
 *
 * A batch can be in the outbox and in ClickHouse at once: replayed and not deleted yet, or the
 * insert in flight when the breaker opened, which reached ClickHouse though the worker never heard
 * back and so diverted the batch (same token) to the outbox. Every read therefore follows one
 * order, check-then-read:
 *
 * 1. One snapshot of each outbox: its batches and the rows asked for.
 * 2. For a bucket query, ClickHouse is asked which of those batches' tokens it holds, and how many
 *    rows of each, in the rows' scope (BatchPresence); a batch it holds all of is left out of the
 *    outbox side.
 * 3. ClickHouse's data.
 *
 * Rows in ClickHouse stay there, so a batch held at 2 is in the data read at 3: counted once. A
 * batch deleted from the outbox before 1 was acknowledged by ClickHouse before that, so it is in
 * the data: once. A batch landing between 2 and 3 (a replay at that moment) is in both sides of
 * that one answer: counted twice there, never missing. Services and metrics need no check: their
 * merge unites names and keeps maxima, so a batch on both sides changes nothing.
 */
export class OutboxMergedStore implements contract.Store {
  readonly kind: string;

  /** `presence` answers for `primary`: ClickHouseStore is both. */
  constructor(
    private readonly primary: contract.Store,
    private readonly outboxes: readonly OutboxReader[],
    private readonly presence: BatchPresence,
  ) {
    this.kind = `${primary.kind}+outbox`;
  }

  /** The query API only reads; the worker writes the store and the outbox. */
  async write(_aggregates: readonly Aggregate[], _checkpoints: readonly Checkpoint[]): Promise<WriteReport> {
    throw new Error('the query API does not write: the worker writes the store and its outbox');
  }

  /** Outbox batches reach dead letters only when replayed into the store, which keeps them. */
  async deadLetters(query: contract.DeadLetterQuery): Promise<contract.DeadLetterRecord[]> {
    return this.primary.deadLetters(query);
  }

  /** The outbox keeps no exemplars (the worker skips them there): the store's are all there are. */
  async exemplars(query: contract.ExemplarQuery): Promise<contract.ExemplarRecord[]> {
    return this.primary.exemplars(query);
  }

  async checkpoints(source: string): Promise<Checkpoint[]> {
    return this.primary.checkpoints(source);
  }

  /**
   * The store's page with the outboxes' names of that page merged in. A name the outbox adds
   * past the store's last name on a full page belongs to a later page, which will hold it.
   */
  async services(page: contract.PageRequest): Promise<contract.ServiceSummary[]> {
    const snapshot = this.snapshots((q) => q.metrics()).flatMap((r) => r.value);
    const base = await this.primary.services(page);
    const inPage = pageFilter(page, base);
    const pending = snapshot.filter((r) => inPage(r.service));
    if (pending.length === 0) return base;
    const services = [...new Set(pending.map((r) => r.service))];
    const known = new Map<string, string[]>();
    for (let i = 0; i < services.length; i += NAME_LOOKUPS_AT_ONCE) {
      const chunk = services.slice(i, i + NAME_LOOKUPS_AT_ONCE);
      const lists = await Promise.all(
        chunk.map((s) => this.primary.metrics(s, { limit: METRIC_NAMES_COUNTED })),
      );
      chunk.forEach((s, j) =>
        known.set(
          s,
          (lists[j] ?? []).map((m) => m.name),
        ),
      );
    }
    return mergeServices(base, pending, known).slice(0, page.limit);
  }

  async metrics(service: string, page: contract.MetricPageRequest): Promise<contract.MetricSummary[]> {
    const snapshot = this.snapshots((q) => q.series(service)).flatMap((r) => r.value);
    const base = await this.primary.metrics(service, page);
    const inPage = pageFilter(page, base);
    const names = page.names === undefined ? undefined : new Set(page.names);
    const pending = snapshot.filter((r) => inPage(r.name) && (names === undefined || names.has(r.name)));
    return pending.length === 0 ? base : mergeMetrics(base, pending).slice(0, page.limit);
  }

  async queryBuckets(q: contract.BucketQuery): Promise<contract.BucketGroup[]> {
    const pending = await this.notInStore(
      q,
      this.snapshots((o) => o.aggregates(q.service, q.metric, q.from, q.to)),
    );
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

  async applyRetention(now: number): Promise<contract.RetentionReport> {
    return this.primary.applyRetention(now);
  }

  async stats(): Promise<contract.StoreStats> {
    return this.primary.stats();
  }

  async tableSizes(): Promise<contract.TableSize[]> {
    return (await this.primary.tableSizes?.()) ?? [];
  }

  async close(): Promise<void> {
    for (const o of this.outboxes) o.close();
    await this.primary.close();
  }

  /** `select` on one snapshot of each outbox that holds rows for it (step 1). */
  private snapshots<T>(select: (q: OutboxQueries) => T[]): { batches: OutboxBatchRef[]; value: T[] }[] {
    return this.outboxes.flatMap((o) => {
      const read = o.read(select);
      return read === undefined || read.value.length === 0 ? [] : [read];
    });
  }

  /** The snapshots' rows less those of batches ClickHouse holds (step 2), one question for all. */
  private async notInStore(
    q: contract.BucketQuery,
    reads: readonly { batches: OutboxBatchRef[]; value: OutboxAggregateRow[] }[],
  ): Promise<OutboxAggregateRow[]> {
    if (reads.length === 0) return [];
    // Batch ids are per outbox file; tokens name a batch across all of them.
    const tokenOf = reads.map((r) => {
      const inRows = new Set(r.value.map((row) => row.batchId));
      const tokens = new Map<number, string>();
      for (const b of r.batches) {
        const token = dedupToken([b.checkpoint]);
        if (inRows.has(b.id) && token !== undefined) tokens.set(b.id, token);
      }
      return tokens;
    });
    let firstStart = Number.POSITIVE_INFINITY;
    let lastStart = Number.NEGATIVE_INFINITY;
    for (const r of reads) {
      for (const row of r.value) {
        firstStart = Math.min(firstStart, row.start);
        lastStart = Math.max(lastStart, row.start);
      }
    }
    const stored = await this.presence.storedRows({
      service: q.service,
      metric: q.metric,
      firstStart,
      lastStart,
      tokens: tokenOf.flatMap((m) => [...m.values()]),
    });
    return reads.flatMap((r, i) => {
      const held = batchesInStore(r.value, tokenOf[i] ?? new Map(), stored);
      return held.size === 0 ? r.value : r.value.filter((row) => !held.has(row.batchId));
    });
  }
}

/** Whether a name belongs to the page the store answered with `base`. */
function pageFilter(
  page: contract.PageRequest,
  base: readonly { readonly name: string }[],
): (name: string) => boolean {
  const after = page.after ?? '';
  const last = base.length >= page.limit ? base[base.length - 1]?.name : undefined;
  return (name) => name > after && (last === undefined || name <= last);
}
