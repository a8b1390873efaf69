import { VantageError } from '../core/index.js';
import type { Tier } from '../core/index.js';

/**
 * How big an answer may be and how much one query may read (docs/operations.md, "Query limits").
 * Every store checks them before it reads points, from what the series catalog says, so an
 * answer over a limit is refused without being built.
 */
export interface AnswerLimits {
  /** Series (groups) in one answer. */
  readonly maxSeries: number;
  /** Points in one answer (VQL: rows). */
  readonly maxPoints: number;
  /** Stored series one query selects before grouping. */
  readonly maxSeriesScanned: number;
  /** Stored rows one query reads (an upper bound from the series and the range, before it runs). */
  readonly maxRowsScanned: number;
}

export const DEFAULT_ANSWER_LIMITS: AnswerLimits = {
  maxSeries: 10_000,
  maxPoints: 500_000,
  maxSeriesScanned: 200_000,
  maxRowsScanned: 50_000_000,
};

export function tooManySeries(limit: number, cause?: unknown): VantageError {
  return new VantageError('VTG_QUERY_TOO_MANY_SERIES', {
    params: { limit, setting: '--query-max-series' },
    ...(cause !== undefined ? { cause } : {}),
  });
}

export function answerTooLarge(limit: number, cause?: unknown): VantageError {
  return new VantageError('VTG_QUERY_ANSWER_TOO_LARGE', {
    params: { limit, setting: '--query-max-points' },
    ...(cause !== undefined ? { cause } : {}),
  });
}

export function tooCostly(
  what: 'series' | 'rows',
  estimate: number,
  limit: number,
  cause?: unknown,
): VantageError {
  const setting = what === 'series' ? '--query-max-series-scanned' : '--query-max-rows-scanned';
  return new VantageError('VTG_QUERY_TOO_COSTLY', {
    params: { what, estimate: estimate > 0 ? estimate.toLocaleString('en-US') : 'more', limit, setting },
    ...(cause !== undefined ? { cause } : {}),
  });
}

/** Steps of a bucket query's range. */
export function stepCount(q: {
  readonly from: number;
  readonly to: number;
  readonly stepMs: number;
}): number {
  return Math.max(1, Math.ceil((q.to - q.from) / q.stepMs));
}

/**
 * The checks of a bucket query once the store knows how many series it selects and how many
 * groups they make, before a point is read; the rows it reads are at most series x the tier's
 * rows in the range. Points are counted as they are read (a sparse range over many steps is
 * fine), and the read stops one past the limit.
 */
export function checkBucketQuery(
  limits: AnswerLimits,
  q: { readonly from: number; readonly to: number; readonly tier: Tier },
  series: number,
  groups: number,
): void {
  if (series > limits.maxSeriesScanned) throw tooCostly('series', series, limits.maxSeriesScanned);
  if (groups > limits.maxSeries) throw tooManySeries(limits.maxSeries);
  const rows = series * Math.max(1, Math.ceil((q.to - q.from) / q.tier.resolutionMs));
  if (rows > limits.maxRowsScanned) throw tooCostly('rows', rows, limits.maxRowsScanned);
}
