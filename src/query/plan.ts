import type { Aggregation, Tier } from '../core/index.js';

/**
 * The dialect-neutral meaning of a VQL query. The stores' compilers (storage/sqlite, storage/clickhouse) turn it
 * into SQL; every value in it is data, to be bound as a parameter, never pasted into SQL text.
 */

/** What a row is keyed by. Tag keys are user text: compilers bind them too. */
export type GroupKey =
  | { readonly kind: 'service' }
  | { readonly kind: 'metric' }
  | { readonly kind: 'type' }
  | { readonly kind: 'tag'; readonly key: string }
  | { readonly kind: 'time_bucket'; readonly stepMs: number };

/** A group key or aggregate, named by an id (`k0`, `v1`) that compilers may use as a SQL alias. */
export interface PlanGroupKey {
  readonly id: string;
  readonly key: GroupKey;
}

export interface PlanAggregate {
  readonly id: string;
  readonly fn: Aggregation;
}

/** A column that a WHERE condition can test (timestamp is taken out into the time range). */
export type FilterField =
  | { readonly kind: 'service' }
  | { readonly kind: 'metric' }
  | { readonly kind: 'type' }
  | { readonly kind: 'tag'; readonly key: string };

/**
 * The WHERE tree without its time conditions. A missing tag reads as ''. `like` patterns are in
 * LIKE syntax (`%`, `_`, backslash escapes); each compiler translates them for its database.
 */
export type Filter =
  | { readonly kind: 'and' | 'or'; readonly operands: readonly Filter[] }
  | { readonly kind: 'not'; readonly operand: Filter }
  | { readonly kind: 'eq' | 'ne'; readonly field: FilterField; readonly value: string }
  | { readonly kind: 'in' | 'not_in'; readonly field: FilterField; readonly values: readonly string[] }
  | { readonly kind: 'like' | 'not_like'; readonly field: FilterField; readonly pattern: string };

export type ColumnSource =
  { readonly kind: 'key'; readonly id: string } | { readonly kind: 'aggregate'; readonly id: string };

/** A column of the answer, in SELECT order, named by its alias or by what it computes. */
export interface OutputColumn {
  readonly name: string;
  readonly source: ColumnSource;
}

export interface SortKey {
  readonly source: ColumnSource;
  readonly direction: 'asc' | 'desc';
}

/** The time range the query asked for: epoch ms, from inclusive, to exclusive. */
export interface TimeRange {
  readonly from: number;
  readonly to: number;
  /** True when WHERE had no lower bound and the default (the hour before `to`) applies. */
  readonly fromDefaulted: boolean;
  /** True when WHERE had no upper bound and `to` is now. */
  readonly toDefaulted: boolean;
}

/** A query that passed every check: names resolved, values typed, limits applied. */
export interface ValidatedQuery {
  readonly output: readonly OutputColumn[];
  /** In GROUP BY order; may hold keys that are not output (grouped by but not selected). */
  readonly groupKeys: readonly PlanGroupKey[];
  /** Each function once; may hold aggregates only ORDER BY uses. */
  readonly aggregates: readonly PlanAggregate[];
  readonly filter: Filter | undefined;
  readonly timeRange: TimeRange;
  /** The time_bucket step, when the query groups by time. */
  readonly stepMs: number | undefined;
  /** ORDER BY as written, or the group keys ascending when the query has none. */
  readonly orderBy: readonly SortKey[];
  readonly limit: number;
  /** What the server assumed on the user's behalf (default time range, ...), to show with the answer. */
  readonly notices: readonly string[];
}

/** A part of the scanned range, [from, to), held exactly by the rows of one tier. */
export interface ScanPiece {
  readonly tier: Tier;
  readonly from: number;
  readonly to: number;
}

/** A validated query bound to storage: which tier to read and which bucket starts. */
export interface LogicalPlan extends ValidatedQuery {
  /** The one tier that holds the whole scan exactly (the finest of `pieces`). */
  readonly tier: Tier;
  /** Bucket starts read, [from, to): the time range widened to whole steps (or whole minutes). */
  readonly scan: { readonly from: number; readonly to: number };
  /**
   * The scan cut at the bucket edges of coarser tiers, in time order, each piece read from the
   * coarsest tier that holds it exactly: a 24 h query starting mid-hour reads two edges from the
   * 1-minute or 5-minute tier and the hours between from the hourly one. Without a time_bucket
   * only; otherwise one piece, `tier` over `scan`. A store may read either: the answers are the
   * same, since every stored aggregate merges exactly.
   */
  readonly pieces: readonly ScanPiece[];
  /** The seconds a rate() is per: the step, or the scanned range when there is no time_bucket. */
  readonly rateSeconds: number;
  /** True when an ORDER BY key can only be computed after the query (a percentile from a sketch). */
  readonly sortAfterQuery: boolean;
}
