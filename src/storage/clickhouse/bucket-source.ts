import type { BucketQuery } from '../store.js';
import { singleTagKey } from './bucket-query.js';
import { METRIC_ROLLUP_TABLES } from './metric-rollup-schema.js';
import { TIER_TABLES } from './schema.js';
import { TAG_ROLLUP_TABLES } from './tag-rollup-schema.js';

/** Where a bucket query reads: a table (without database), its kind of rows, the rolled-up key. */
export interface BucketSource {
  readonly table: string;
  readonly rows: 'minute' | 'rollup';
  readonly tagKey?: string;
}

/** What the readers know of the rollups: each from when it is whole (epoch ms), null if never. */
export interface RollupsKnown {
  readonly metricFrom: number | null;
  /** Rolled-up tag keys and their cutoffs; null when none could be read. */
  readonly tagFrom: ReadonlyMap<string, number> | null;
}

/**
 * The smallest table that holds every row of the selected series over `q`'s range: a rollup only
 * for a range that starts at or after its cutoff. A per-tag-value rollup of key k answers when k is
 * the one key `q` filters or groups by, and (grouping) no selected series lacks k: such a series
 * groups as '' in the series rows and is in no rollup. `lacking`: the catalog's count of them.
 */
export function bucketSource(q: BucketQuery, known: RollupsKnown, lacking: number): BucketSource {
  const tier = q.tier.name;
  if (q.tagFilters.length === 0 && q.groupBy.length === 0) {
    if (known.metricFrom !== null && q.from >= known.metricFrom) {
      return { table: METRIC_ROLLUP_TABLES[tier], rows: 'rollup' };
    }
  } else {
    const key = singleTagKey(q);
    const from = key === undefined ? undefined : known.tagFrom?.get(key);
    if (key !== undefined && from !== undefined && q.from >= from && lacking === 0) {
      return { table: TAG_ROLLUP_TABLES[tier], rows: 'rollup', tagKey: key };
    }
  }
  return { table: TIER_TABLES[tier], rows: tier === '1m' ? 'minute' : 'rollup' };
}
