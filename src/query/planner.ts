import { MINUTE_MS, chooseTier, floorTo, type TierRetention } from '../core/index.js';
import type { LogicalPlan, ValidatedQuery } from './plan.js';

export interface PlanOptions {
  /** Epoch ms; the same now the query was validated with. */
  readonly now: number;
  /** How long each tier keeps data; unset means forever (the coarsest exact tier wins). */
  readonly retention?: TierRetention;
}

const KEEP_FOREVER: TierRetention = {
  '1m': Number.POSITIVE_INFINITY,
  '5m': Number.POSITIVE_INFINITY,
  '1h': Number.POSITIVE_INFINITY,
  '1d': Number.POSITIVE_INFINITY,
};

/**
 * Binds a validated query to storage. Buckets are pre-aggregated and cannot be split, so the range
 * widens outward to whole steps (whole minutes without time_bucket); the tier is the coarsest whose
 * resolution divides both ends, so every step is an exact union of stored rows.
 */
export function planQuery(query: ValidatedQuery, options: PlanOptions): LogicalPlan {
  const align = query.stepMs ?? MINUTE_MS;
  const from = floorTo(query.timeRange.from, align);
  const to = ceilTo(query.timeRange.to, align);
  // Without a step, any tier whose resolution divides both ends reads the range exactly.
  const exactStep = query.stepMs ?? gcd(from, to);
  const tier = chooseTier(exactStep, from, options.now, options.retention ?? KEEP_FOREVER);
  const sortAfterQuery = query.orderBy.some((o) => {
    if (o.source.kind !== 'aggregate') return false;
    const id = o.source.id;
    const fn = query.aggregates.find((a) => a.id === id)?.fn;
    return fn === 'p50' || fn === 'p90' || fn === 'p95' || fn === 'p99';
  });
  return {
    ...query,
    tier,
    scan: { from, to },
    rateSeconds: (query.stepMs ?? to - from) / 1000,
    sortAfterQuery,
  };
}

function ceilTo(t: number, step: number): number {
  return Math.ceil(t / step) * step;
}

function gcd(a: number, b: number): number {
  let x = Math.abs(a);
  let y = Math.abs(b);
  while (y !== 0) [x, y] = [y, x % y];
  return x;
}
