import { QuantileSketch, laterWins, mergeStats, newAggregate } from '../../core/index.js';
import type { Aggregate, MetricType } from '../../core/index.js';
import type { Bucket, BucketGroup, BucketQuery, MetricSummary, ServiceSummary } from '../store.js';
import type { FromBatch, OutboxAggregateRow, OutboxMetricRow, OutboxSeriesRow } from './outbox-reader.js';

/**
 * The outbox batches the store holds already, of those `rows` come from: a batch whose token the
 * store holds at least as many rows of (in the scope `rows` were read from) as the outbox does.
 * A batch stored in part (an insert split into several parts, cut off in between) is not held:
 * its rows then count twice rather than go missing.
 */
export function batchesInStore(
  rows: readonly FromBatch[],
  tokenOf: ReadonlyMap<number, string>,
  stored: ReadonlyMap<string, number>,
): Set<number> {
  const inOutbox = new Map<number, number>();
  for (const r of rows) inOutbox.set(r.batchId, (inOutbox.get(r.batchId) ?? 0) + 1);
  const held = new Set<number>();
  for (const [batchId, n] of inOutbox) {
    const token = tokenOf.get(batchId);
    if (token !== undefined && (stored.get(token) ?? 0) >= n) held.add(batchId);
  }
  return held;
}

/** Outbox rows as the bucket groups a store would answer `q` with (the same selection rules). */
export function outboxBucketGroups(rows: readonly OutboxAggregateRow[], q: BucketQuery): BucketGroup[] {
  const tagCache = new Map<string, Record<string, string>>();
  const groups = new Map<
    string,
    { tags: Record<string, string>; types: Set<MetricType>; buckets: Map<number, Aggregate> }
  >();
  for (const r of rows) {
    let tags = tagCache.get(r.tags);
    if (tags === undefined) tagCache.set(r.tags, (tags = JSON.parse(r.tags) as Record<string, string>));
    if (!q.tagFilters.every(([k, v]) => tags[k] === v)) continue;
    const values = q.groupBy.map((k) => tags[k] ?? '');
    const key = JSON.stringify(values);
    let group = groups.get(key);
    if (group === undefined) {
      group = {
        tags: Object.fromEntries(q.groupBy.map((k, i) => [k, values[i] ?? ''])),
        types: new Set(),
        buckets: new Map(),
      };
      groups.set(key, group);
    }
    group.types.add(r.type);
    const start = r.start - (r.start % q.stepMs);
    let b = group.buckets.get(start);
    if (b === undefined) {
      // An aggregate, merged as any other, keeps the time of its last value to merge with the
      // store's; its sketch is made only when the query needs one.
      b = { ...newAggregate(r.service, r.name, r.type, r.tags, start), sketch: null };
      group.buckets.set(start, b);
    }
    mergeStats(b, r);
    if (q.needSketch && r.sketch) (b.sketch ??= new QuantileSketch()).mergeEncoded(r.sketch);
  }
  return [...groups.values()].map((g) => ({
    tags: g.tags,
    type: g.types.size === 1 && g.types.has('counter') ? 'counter' : 'gauge',
    buckets: [...g.buckets.values()]
      .sort((a, b) => a.start - b.start)
      .map((b) => ({
        start: b.start,
        count: b.count,
        sum: b.sum,
        min: b.min,
        max: b.max,
        last: q.needLast ? b.last : undefined,
        ...(q.needLast ? { lastTimestamp: b.lastTimestamp } : {}),
        sketch: b.sketch ?? undefined,
      })),
  }));
}

/**
 * Two stores' answers to the same bucket query as one: groups by their group-by values, buckets by
 * start; counts and sums add, min/max compare, `last` is the later one (the outbox's where a store
 * does not say when its own is from), sketches merge.
 */
export function mergeBucketGroups(
  base: readonly BucketGroup[],
  extra: readonly BucketGroup[],
  q: BucketQuery,
): BucketGroup[] {
  const key = (g: BucketGroup): string => JSON.stringify(q.groupBy.map((k) => g.tags[k] ?? ''));
  const out = new Map<string, BucketGroup>(base.map((g) => [key(g), g]));
  for (const g of extra) {
    const k = key(g);
    const mine = out.get(k);
    if (mine === undefined) {
      out.set(k, g);
      continue;
    }
    const buckets = new Map<number, Bucket>(mine.buckets.map((b) => [b.start, b]));
    for (const b of g.buckets) {
      const other = buckets.get(b.start);
      buckets.set(b.start, other === undefined ? b : mergeBucket(other, b, q));
    }
    out.set(k, {
      tags: mine.tags,
      type: mine.type === 'counter' && g.type === 'counter' ? 'counter' : 'gauge',
      buckets: [...buckets.values()].sort((a, b) => a.start - b.start),
    });
  }
  return [...out.values()];
}

function mergeBucket(a: Bucket, b: Bucket, q: BucketQuery): Bucket {
  let last = a.last;
  let lastTimestamp = a.lastTimestamp;
  if (q.needLast) {
    const bLater =
      a.lastTimestamp === undefined ||
      (b.lastTimestamp !== undefined &&
        laterWins(b.lastTimestamp, b.last ?? 0, a.lastTimestamp, a.last ?? 0));
    if (bLater) {
      last = b.last;
      lastTimestamp = b.lastTimestamp;
    }
  }
  let sketch: QuantileSketch | undefined;
  if (q.needSketch && (a.sketch || b.sketch)) {
    sketch = new QuantileSketch();
    if (a.sketch) sketch.merge(a.sketch);
    if (b.sketch) sketch.merge(b.sketch);
  }
  return {
    start: a.start,
    count: a.count + b.count,
    sum: a.sum + b.sum,
    min: Math.min(a.min, b.min),
    max: Math.max(a.max, b.max),
    last,
    ...(lastTimestamp !== undefined ? { lastTimestamp } : {}),
    sketch,
  };
}

/**
 * Services with the outbox's metrics added. `knownMetrics` names each service's metrics in the
 * store (asked only for services the outbox has), so a metric in both counts once.
 */
export function mergeServices(
  base: readonly ServiceSummary[],
  pending: readonly OutboxMetricRow[],
  knownMetrics: ReadonlyMap<string, readonly string[]>,
): ServiceSummary[] {
  const extra = new Map<string, { names: Set<string>; lastSeen: number }>();
  for (const r of pending) {
    let s = extra.get(r.service);
    if (s === undefined) extra.set(r.service, (s = { names: new Set(), lastSeen: r.lastSeen }));
    s.names.add(r.name);
    s.lastSeen = Math.max(s.lastSeen, r.lastSeen);
  }
  const out = new Map(base.map((s) => [s.name, s]));
  for (const [name, s] of extra) {
    const names = new Set([...(knownMetrics.get(name) ?? []), ...s.names]);
    const known = out.get(name);
    out.set(name, {
      name,
      metricCount: names.size,
      lastSeen: Math.max(known?.lastSeen ?? 0, s.lastSeen),
    });
  }
  return [...out.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * A service's metrics with the outbox's series added: types and tag keys united, the newest
 * lastSeen. Series counts cannot be united without the store's series identities, so a metric in
 * both shows the larger count (a lower bound when the outbox has series the store has not seen).
 */
export function mergeMetrics(
  base: readonly MetricSummary[],
  pending: readonly OutboxSeriesRow[],
): MetricSummary[] {
  const extra = new Map<
    string,
    { types: Set<MetricType>; keys: Set<string>; series: Set<string>; lastSeen: number }
  >();
  for (const r of pending) {
    let m = extra.get(r.name);
    if (m === undefined)
      extra.set(r.name, (m = { types: new Set(), keys: new Set(), series: new Set(), lastSeen: r.lastSeen }));
    m.types.add(r.type);
    for (const k of Object.keys(JSON.parse(r.tags) as object)) m.keys.add(k);
    m.series.add(`${r.type}\u0000${r.tags}`);
    m.lastSeen = Math.max(m.lastSeen, r.lastSeen);
  }
  const out = new Map(base.map((m) => [m.name, m]));
  for (const [name, m] of extra) {
    const known = out.get(name);
    out.set(name, {
      name,
      types: [...new Set([...(known?.types ?? []), ...m.types])].sort(),
      tagKeys: [...new Set([...(known?.tagKeys ?? []), ...m.keys])].sort(),
      seriesCount: Math.max(known?.seriesCount ?? 0, m.series.size),
      lastSeen: Math.max(known?.lastSeen ?? 0, m.lastSeen),
    });
  }
  return [...out.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
