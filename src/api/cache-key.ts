import type { LogicalPlan } from '../query/index.js';

/**
 * The query cache's key for a VQL plan: the query as validation normalised it (names resolved,
 * values typed, ids given in order, so spacing, keyword case and `interval '1 hour'` against `1h`
 * do not matter) together with the range it scans and the tier it reads.
 *
 * The scanned range is the asked range widened to whole steps (whole minutes without a
 * time_bucket). For `timestamp > now() - 1h` it moves when a new step (minute) begins, and with it
 * the key: a cached answer is never served for a window other than the one asked for. The asked
 * range and the notices are left out: two requests within one step scan the same rows.
 */
export function vqlCacheKey(plan: LogicalPlan): string {
  const { timeRange: _asked, notices: _notices, ...meaning } = plan;
  return `vql:${JSON.stringify(meaning)}`;
}
