import type { Bucket, BucketQuery, SeriesSelector } from '../store.js';
import { sketchFromColumns } from './rows.js';

/** SQL text with its parameters: every user value travels as a {name:Type} parameter. */
export interface ParameterizedSql {
  readonly sql: string;
  readonly params: Record<string, string | number>;
}

/** One row of the bucket query, as JSONEachRow returns it (64-bit integers quoted). */
export interface BucketRow {
  readonly grp: string[];
  readonly b: string;
  readonly n: string;
  readonly s: number;
  readonly lo: number;
  readonly hi: number;
  readonly last?: number;
  /** Epoch ms of `last` (a quoted 64-bit integer). */
  readonly lastMs?: string;
  readonly zero?: number;
  readonly pos?: Record<string, number>;
  readonly neg?: Record<string, number>;
}

const MAX_DATETIME_SECONDS = 4_294_967_295;

/**
 * The one tag key every tag filter and group_by key of `q` names, if there is one: what a
 * per-tag-value rollup of that key (tag-rollup-schema.ts) could answer.
 */
export function singleTagKey(q: SeriesSelector): string | undefined {
  const keys = new Set([...q.tagFilters.map(([k]) => k), ...q.groupBy]);
  return keys.size === 1 ? [...keys][0] : undefined;
}

/**
 * The WHERE clause and group key shared by the type and bucket queries. A filter needs the key to
 * be present (SqliteStore compares with the tag's value, and a missing tag is not ''); a group_by
 * key a series lacks groups as '' (a missing key reads as '' from a Map). Over a per-tag-value
 * rollup of `tagKey` (the only key `q` names), its rows of that key, with `tag_value` for the tag.
 */
function selection(
  q: SeriesSelector,
  tagKey?: string,
): { where: string; group: string; params: Record<string, string> } {
  const params: Record<string, string> = { service: q.service, metric: q.metric };
  const where = ['service_name = {service:String}', 'metric_name = {metric:String}'];
  if (tagKey !== undefined) {
    params.tagKey = tagKey;
    where.push('tag_key = {tagKey:String}');
  }
  q.tagFilters.forEach(([k, v], i) => {
    params[`fk${i}`] = k;
    params[`fv${i}`] = v;
    where.push(
      tagKey === undefined
        ? `mapContains(tags, {fk${i}:String}) AND tags[{fk${i}:String}] = {fv${i}:String}`
        : `tag_value = {fv${i}:String}`,
    );
  });
  q.groupBy.forEach((k, i) => {
    params[`g${i}`] = k;
  });
  const group =
    q.groupBy.length === 0
      ? "CAST([], 'Array(String)')"
      : `[${q.groupBy.map((_, i) => (tagKey === undefined ? `tags[{g${i}:String}]` : 'tag_value')).join(', ')}]`;
  return { where: where.join(' AND '), group, params };
}

/**
 * The metric types within each group, from the series catalog (as SqliteStore decides a group's
 * type), and how many of its rows lack a group_by key: such series are in no per-tag-value rollup.
 */
export function groupTypesSql(seriesTable: string, q: SeriesSelector, limit: number): ParameterizedSql {
  const { where, group, params } = selection(q);
  const present = q.groupBy.map((_, i) => `mapContains(tags, {g${i}:String})`).join(' AND ');
  const lacking = present === '' ? 'toUInt64(0)' : `countIf(NOT (${present}))`;
  return {
    sql: `SELECT ${group} AS grp, groupUniqArray(type) AS types, uniqExact(type, series_id) AS series,
  ${lacking} AS lacking
FROM ${seriesTable} WHERE ${where} GROUP BY grp LIMIT {groupLimit:UInt32}`,
    params: { ...params, groupLimit: limit },
  };
}

/**
 * Merges every stored partial of the selected series into steps of the query: sums add, min/max
 * compare, the last value is the max of (time, value) (ties to the larger value, as
 * mergeAggregate), sketches add bucket counts with sumMap. Exact whatever the background merges did.
 * `table` is a tier table or, with neither tag filter nor group, the tier's per-metric rollup, or
 * with `tagKey` the tier's per-tag-value rollup (the caller checked it holds every selected series).
 */
export function bucketQuerySql(
  table: string,
  q: BucketQuery,
  rows: 'minute' | 'rollup',
  tagKey?: string,
): ParameterizedSql {
  const { where, group, params } = selection(q, tagKey);
  const columns = [
    `${group} AS grp`,
    'intDiv(toUInt64(toUnixTimestamp(timestamp)) * 1000, {step:UInt64}) * {step:UInt64} AS b',
    'sum(samples) AS n',
    'sum(value_sum) AS s',
    'min(value_min) AS lo',
    'max(value_max) AS hi',
  ];
  if (q.needLast) {
    // The minute table keeps `last` as two columns; rollup rows as the tuple last_at.
    const latest = rows === 'minute' ? 'max((last_ts, value_last))' : 'max(last_at)';
    columns.push(
      `tupleElement(${latest}, 2) AS last`,
      `toUnixTimestamp64Milli(tupleElement(${latest}, 1)) AS lastMs`,
    );
  }
  if (q.needSketch) {
    columns.push('sum(sketch_zero) AS zero', 'sumMap(sketch_pos) AS pos', 'sumMap(sketch_neg) AS neg');
  }
  // Bucket starts are whole minutes: t * 1000 >= from <=> t >= ceil(from / 1000), likewise for to.
  const seconds = (ms: number): number => Math.min(MAX_DATETIME_SECONDS, Math.max(0, Math.ceil(ms / 1000)));
  return {
    sql: `SELECT ${columns.join(', ')} FROM ${table}
WHERE ${where} AND timestamp >= toDateTime({from:UInt32}, 'UTC') AND timestamp < toDateTime({to:UInt32}, 'UTC')
GROUP BY grp, b ORDER BY grp, b`,
    params: { ...params, step: q.stepMs, from: seconds(q.from), to: seconds(q.to) },
  };
}

export function toBucket(row: BucketRow, q: Pick<BucketQuery, 'needLast' | 'needSketch'>): Bucket {
  return {
    start: Number(row.b),
    count: Number(row.n),
    sum: row.s,
    min: row.lo,
    max: row.hi,
    last: q.needLast ? row.last : undefined,
    ...(q.needLast && row.lastMs !== undefined ? { lastTimestamp: Number(row.lastMs) } : {}),
    sketch: q.needSketch ? sketchFromColumns(row.zero ?? 0, row.pos ?? {}, row.neg ?? {}) : undefined,
  };
}
