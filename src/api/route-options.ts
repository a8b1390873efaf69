import type { TierRetention } from '../core/index.js';
import type { Store } from '../storage/index.js';
import type { ApiMetrics } from './api-metrics.js';
import type { CachedAnswers } from './cached-answers.js';

/** What every route plugin that reads the store through the answer cache is given. */
export interface StoreReadOptions {
  readonly store: Store;
  readonly metrics: ApiMetrics;
  readonly clock: () => number;
  readonly answers: CachedAnswers;
}

/** A route that reads a range of a metric: which tiers hold what, and how many points it may answer. */
export interface RangeReadOptions extends StoreReadOptions {
  readonly retention: TierRetention;
  readonly maxPointsPerSeries: number;
}
