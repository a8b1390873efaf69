import { MINUTE_MS, TIERS, chooseTier, floorTo } from '../core/index.js';
import type { Tier, TierRetention } from '../core/index.js';
import type { Filter, FilterField, LogicalPlan, ScanPiece, ValidatedQuery } from './plan.js';

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
  const whole: ScanPiece[] = [{ tier, from, to }];
  const retention = options.retention ?? KEEP_FOREVER;
  // With a step every tier that divides it divides the ends too: nothing coarser answers exactly.
  const pieces =
    query.stepMs === undefined ? (splitScan(from, to, TIERS, options.now, retention) ?? whole) : whole;
  return {
    ...query,
    tier,
    scan: { from, to },
    pieces,
    rateSeconds: (query.stepMs ?? to - from) / 1000,
    sortAfterQuery,
  };
}

/**
 * The one tag key whose per-value rollup (a store's merge of the series that share a value) could
 * answer the query, judged from its shape alone: its groups and conditions name that key and
 * nothing but service, metric and time besides, and no aggregate needs a series' own type (rate
 * reads counters and gauges apart). A store still checks its data: that the key is rolled up for
 * every metric read, and that each of their series carries it (a missing tag reads as '', a value
 * no rollup row holds). Undefined when no such key exists.
 */
export function tagRollupKey(query: ValidatedQuery): string | undefined {
  const keys = rollupTagKeys(query);
  return keys?.size === 1 ? [...keys][0] : undefined;
}

/**
 * Whether the query reads every series of the metrics it selects and nothing that tells them
 * apart: its groups and conditions name only service, metric and time, and no aggregate needs a
 * series' own type. A store's merge of all of a metric's series (its per-metric rollup) then
 * answers it exactly, whatever the data: a metric's rollup holds each of its series.
 */
export function readsEverySeries(query: ValidatedQuery): boolean {
  return rollupTagKeys(query)?.size === 0;
}

/**
 * The tag keys the query's groups and conditions name, or undefined when it needs a series' type
 * (a type group or condition, or rate): what decides which rollup, if any, can answer it.
 */
function rollupTagKeys(query: ValidatedQuery): Set<string> | undefined {
  if (query.aggregates.some((a) => a.fn === 'rate')) return undefined;
  const keys = new Set<string>();
  for (const { key } of query.groupKeys) {
    if (key.kind === 'type') return undefined;
    if (key.kind === 'tag') keys.add(key.key);
  }
  if (query.filter !== undefined && !filterTagKeys(query.filter, keys)) return undefined;
  return keys;
}

/** Adds the tag keys a filter tests to `keys`; false when it tests a series' type. */
function filterTagKeys(f: Filter, keys: Set<string>): boolean {
  for (const field of filterFields(f)) {
    if (field.kind === 'type') return false;
    if (field.kind === 'tag') keys.add(field.key);
  }
  return true;
}

/** Every field a filter's conditions test, in the order written: what decides where it can run. */
export function filterFields(f: Filter): FilterField[] {
  switch (f.kind) {
    case 'and':
    case 'or':
      return f.operands.flatMap(filterFields);
    case 'not':
      return filterFields(f.operand);
    default:
      return [f.field];
  }
}

/**
 * [from, to) as pieces each read from the coarsest of `tiers` whose whole buckets it covers and
 * whose retention still holds it; undefined when some part has no such tier.
 */
function splitScan(
  from: number,
  to: number,
  tiers: readonly Tier[],
  now: number,
  retention: TierRetention,
): ScanPiece[] | undefined {
  if (from >= to) return [];
  for (let i = tiers.length - 1; i >= 0; i--) {
    const tier = tiers[i] as Tier;
    const start = ceilTo(from, tier.resolutionMs);
    const end = floorTo(to, tier.resolutionMs);
    if (start >= end || start < now - retention[tier.name]) continue;
    const finer = tiers.slice(0, i);
    const before = splitScan(from, start, finer, now, retention);
    const after = splitScan(end, to, finer, now, retention);
    if (before === undefined || after === undefined) return undefined;
    return [...before, { tier, from: start, to: end }, ...after];
  }
  return undefined;
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
