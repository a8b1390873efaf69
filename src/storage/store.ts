import type {
  Aggregate,
  CumulativePosition,
  MetricType,
  SeriesExemplars,
  StepStats,
  Tier,
} from '../core/index.js';
import type { LogicalPlan, VqlRow } from '../query/index.js';

/** How far a consumer of the bus got, saved with the data it produced. */
export interface Checkpoint {
  readonly source: string;
  readonly partition: number;
  readonly offset: number;
}

export interface ServiceSummary {
  readonly name: string;
  readonly metricCount: number;
  /** Epoch ms of the newest sample. */
  readonly lastSeen: number;
}

export interface MetricSummary {
  readonly name: string;
  readonly types: MetricType[];
  readonly tagKeys: string[];
  readonly seriesCount: number;
  readonly lastSeen: number;
}

/** One page of a listing in name order: the names after `after`, at most `limit` of them. */
export interface PageRequest {
  readonly after?: string | undefined;
  readonly limit: number;
}

/** A page of a service's metrics, optionally only those of the given names. */
export interface MetricPageRequest extends PageRequest {
  readonly names?: readonly string[] | undefined;
}

export interface SeriesSelector {
  readonly service: string;
  readonly metric: string;
  /** Tag equality filters, all of which must hold. */
  readonly tagFilters: ReadonlyArray<readonly [string, string]>;
  /** Tag keys to group by; no keys merges every selected series into one. */
  readonly groupBy: readonly string[];
}

export interface BucketQuery extends SeriesSelector {
  /** Inclusive, aligned to step. */
  readonly from: number;
  /** Exclusive. */
  readonly to: number;
  readonly stepMs: number;
  readonly tier: Tier;
  readonly needLast: boolean;
  readonly needSketch: boolean;
}

/** One step of one group: every selected aggregate in it, merged. */
export interface Bucket extends StepStats {
  readonly start: number;
  /**
   * Time of the sample `last` is, epoch ms, where the store says (to merge `last` with another
   * store's: the fallback outbox's, src/storage/outbox).
   */
  readonly lastTimestamp?: number;
}

export interface BucketGroup {
  /** Values of the group_by tags ('' where a series lacks the tag). */
  readonly tags: Record<string, string>;
  /** Counter when every series in the group is a counter. */
  readonly type: MetricType;
  readonly buckets: Bucket[];
}

export interface RetentionReport {
  readonly deletedRows: Record<string, number>;
  readonly deletedSeries: number;
  /** Exemplars past the minute tier's retention (a store whose TTL deletes them says nothing). */
  readonly deletedExemplars?: number;
}

export interface StoreStats {
  readonly series: number;
  readonly bytesOnDisk: number;
}

/** One table's size, for the storage dashboard: rows and bytes on disk (indexes included). */
export interface TableSize {
  readonly table: string;
  /** The tier whose aggregates the table holds; absent for the other tables. */
  readonly tier?: Tier['name'];
  readonly rows: number;
  readonly bytes: number;
}

/** An aggregate a store could never hold, set aside with the reason instead of retried for ever. */
export interface DeadLetter {
  readonly aggregate: Aggregate;
  readonly reason: string;
}

/** What a write did besides storing: the aggregates it set aside (usually none). */
export interface WriteReport {
  readonly deadLetters: readonly DeadLetter[];
}

/** A dead letter as the store keeps it, for GET /v1/dead-letters. */
export interface DeadLetterRecord {
  /** When it was set aside, epoch ms. */
  readonly at: number;
  readonly service: string;
  readonly metric: string;
  readonly type: string;
  /** Canonical tag text. */
  readonly tags: string;
  /** Bucket start, epoch ms. */
  readonly start: number;
  readonly count: number;
  /** Values as received; JSON has no Infinity or NaN, so these are strings: "1e+308", "NaN". */
  readonly sum: string;
  readonly min: string;
  readonly max: string;
  readonly last: string;
  readonly reason: string;
  /** The bus position of the batch it came in, where the write had one. */
  readonly checkpoint: Checkpoint | undefined;
}

export interface DeadLetterQuery {
  /** Newest first, at most this many... */
  readonly limit: number;
  /** ...after skipping this many. */
  readonly offset: number;
}

export interface ExemplarQuery {
  readonly service: string;
  readonly metric: string;
  /** Exemplar times, epoch ms: from inclusive, to exclusive. */
  readonly from: number;
  readonly to: number;
  /** Newest first, at most this many... */
  readonly limit: number;
  /** ...after skipping this many. */
  readonly offset: number;
}

/** One stored exemplar, with the series it belongs to. */
export interface ExemplarRecord {
  /** The series' stored type (a cumulative counter is a counter, a histogram a gauge). */
  readonly type: MetricType;
  /** Canonical tag text. */
  readonly tags: string;
  /** Epoch ms. */
  readonly timestamp: number;
  readonly value: number;
  /** Lower-case hex, '' when absent. */
  readonly traceId: string;
  readonly spanId: string;
}

/**
 * Where a cumulative series stood after a write (cumulativeKey, its position): saved in the same
 * write as the increases computed from it, so a worker that restarts goes on from it exactly.
 */
export interface SavedPosition {
  readonly key: string;
  readonly position: CumulativePosition;
}

/** Where aggregates live: SQLite embedded, ClickHouse distributed. */
export interface Store {
  readonly kind: string;
  /**
   * Merges aggregates into every tier and saves the checkpoints, atomically. An aggregate that can
   * never be stored (aggregateProblem, or a write the store refuses for that aggregate whatever
   * the retries) is set aside in the dead-letter table with the reason, in the same write, and
   * reported; the rest is stored. A failure that a retry may fix (store down, disk full, locked)
   * throws, and nothing is stored. Exemplars are kept a few per series-minute
   * (EXEMPLARS_PER_SERIES_MINUTE, across writes too), for as long as the minute tier's rows.
   */
  write(
    aggregates: readonly Aggregate[],
    checkpoints: readonly Checkpoint[],
    positions?: readonly SavedPosition[],
    exemplars?: readonly SeriesExemplars[],
  ): Promise<WriteReport>;
  /**
   * Where these cumulative series stood, as the last write saved them (src/core/cumulative.ts);
   * series never saved are absent. A store that keeps no positions leaves this out, and its worker
   * keeps them in memory only.
   */
  cumulativePositions?(keys: readonly string[]): Promise<Map<string, CumulativePosition>>;
  /** The dead letters, newest first. */
  deadLetters(query: DeadLetterQuery): Promise<DeadLetterRecord[]>;
  /** A metric's exemplars in a time range, newest first. */
  exemplars(query: ExemplarQuery): Promise<ExemplarRecord[]>;
  checkpoints(source: string): Promise<Checkpoint[]>;
  /** Services in name order, one page: the store reads no more than the page. */
  services(page: PageRequest): Promise<ServiceSummary[]>;
  /** A service's metrics in name order, one page. */
  metrics(service: string, page: MetricPageRequest): Promise<MetricSummary[]>;
  queryBuckets(query: BucketQuery): Promise<BucketGroup[]>;
  /**
   * Runs a VQL plan: one row per group, keyed by the plan's ids, percentiles already taken from
   * the merged sketches. `sorted` says whether ORDER BY and LIMIT were applied already.
   */
  queryVql(plan: LogicalPlan): Promise<{ rows: VqlRow[]; sorted: boolean }>;
  applyRetention(now: number): Promise<RetentionReport>;
  stats(): Promise<StoreStats>;
  /**
   * Every table's rows and bytes. Reads every page on SQLite (a count and dbstat), so the worker
   * asks only after retention runs, not at each scrape. A store that cannot tell leaves it out.
   */
  tableSizes?(): Promise<TableSize[]>;
  close(): Promise<void>;
}
