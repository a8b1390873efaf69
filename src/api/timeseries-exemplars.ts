import type { TimeseriesExemplar } from '../core/index.js';
import type { BucketQuery, ExemplarRecord, Store } from '../storage/index.js';

/**
 * The most exemplars one timeseries answer carries, over all its series: the newest are kept. The
 * store keeps at most EXEMPLARS_PER_SERIES_MINUTE per series-minute, but a group of many series
 * over a long range could still hold millions; a chart has no use for more dots than this, and
 * the same cap bounds a page of `GET /v1/exemplars`.
 */
export const MAX_TIMESERIES_EXEMPLARS = 1_000;

export interface GroupExemplars {
  /** By the group's tags, as JSON of the group_by keys in the query's order. */
  readonly byGroup: ReadonlyMap<string, TimeseriesExemplar[]>;
  /** The range held more than MAX_TIMESERIES_EXEMPLARS: the oldest were left out. */
  readonly truncated: boolean;
}

/** The key of a group's tags, as the stores build groups: the group_by keys, '' where missing. */
export function groupKey(groupBy: readonly string[], tags: Record<string, string>): string {
  return JSON.stringify(Object.fromEntries(groupBy.map((k) => [k, tags[k] ?? ''])));
}

/**
 * The exemplars of a timeseries query's range, newest first, put into the groups its series make:
 * an exemplar counts where its series passes the tag filters, in the group of its group_by tags,
 * as the stores select and group series for the buckets. One read of the store (either store's
 * `exemplars`, so both answer alike), one more than the cap to tell a cut answer.
 */
export async function exemplarsByGroup(store: Store, q: BucketQuery): Promise<GroupExemplars> {
  const records = await store.exemplars({
    service: q.service,
    metric: q.metric,
    from: q.from,
    to: q.to,
    limit: MAX_TIMESERIES_EXEMPLARS + 1,
    offset: 0,
  });
  const truncated = records.length > MAX_TIMESERIES_EXEMPLARS;
  const byGroup = new Map<string, TimeseriesExemplar[]>();
  for (const r of truncated ? records.slice(0, MAX_TIMESERIES_EXEMPLARS) : records) {
    const tags = JSON.parse(r.tags) as Record<string, string>;
    if (!q.tagFilters.every(([k, v]) => tags[k] === v)) continue;
    const key = groupKey(q.groupBy, tags);
    const list = byGroup.get(key) ?? [];
    list.push(toExemplar(r));
    byGroup.set(key, list);
  }
  return { byGroup, truncated };
}

function toExemplar(r: ExemplarRecord): TimeseriesExemplar {
  return { timestamp: r.timestamp, value: r.value, traceId: r.traceId, spanId: r.spanId };
}
