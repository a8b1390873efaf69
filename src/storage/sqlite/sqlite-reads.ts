import type { Database as Db } from 'better-sqlite3';
import { clampedQuantile, QuantileSketch } from '../../core/index.js';
import type { MetricType } from '../../core/index.js';
import { readsEverySeries, tagRollupKey } from '../../query/index.js';
import type { LogicalPlan, VqlRow, VqlValue } from '../../query/index.js';
import type {
  Bucket,
  BucketGroup,
  BucketQuery,
  MetricPageRequest,
  MetricSummary,
  PageRequest,
  ServiceSummary,
} from '../store.js';
import { TAG_ROLLUP_KEY_TABLE, rollupTable, tagRollupTable, tierTable } from './schema.js';
import { TagRollupSelection, fillTempTable } from './tag-rollup-selection.js';
import type { TagValueSelection } from './tag-rollup-selection.js';
import { compileMetricSelection, compileSqlite } from './sqlite-compiler.js';
import { tagPath } from './sqlite-values.js';
import type { CompiledSql, SqliteCompileOptions } from './sqlite-compiler.js';
import {
  DEFAULT_ANSWER_LIMITS,
  answerTooLarge,
  checkBucketQuery,
  tooCostly,
  tooManySeries,
} from '../answer-limits.js';
import type { AnswerLimits } from '../answer-limits.js';

/**
 * The query API's reads of the store, as messages: SqliteStore runs them on its own connection
 * (inline) or hands them to a query thread (sqlite-query-thread.ts), which answers with the same
 * code on a connection of its own. Requests and answers are plain data, so they cross threads by
 * structured clone.
 */
export type ReadRequest =
  | { readonly op: 'services'; readonly page: PageRequest }
  | { readonly op: 'metrics'; readonly service: string; readonly page: MetricPageRequest }
  | { readonly op: 'buckets'; readonly query: BucketQuery }
  | { readonly op: 'vql'; readonly plan: LogicalPlan };

export interface ReadAnswers {
  services: ServiceSummary[];
  metrics: MetricSummary[];
  buckets: EncodedBucketGroup[];
  vql: { rows: VqlRow[]; sorted: boolean };
}

export type ReadAnswer<R extends ReadRequest> = ReadAnswers[R['op']];

/** A bucket whose sketch is still in its stored encoding, as it crosses from a query thread. */
export interface EncodedBucket extends Omit<Bucket, 'sketch'> {
  readonly sketch: Uint8Array | undefined;
}

export interface EncodedBucketGroup extends Omit<BucketGroup, 'buckets'> {
  readonly buckets: EncodedBucket[];
}

/** A row of the buckets query, read raw: its columns in the order the SELECT names them. */
type BucketRow = [
  grp: number,
  start: number,
  count: number,
  sum: number,
  min: number,
  max: number,
  last: number | null,
  sketch: Buffer | null,
  lastTs: number | null,
];

/** Series of one metric whose tags a metrics listing reads for its tag keys. */
export const TAG_KEY_SCAN_SERIES = 100_000;

/** Decodes the sketches of an answer to `buckets`, in the thread that will use them. */
export function decodeBucketGroups(groups: readonly EncodedBucketGroup[]): BucketGroup[] {
  return groups.map((g) => ({
    ...g,
    buckets: g.buckets.map((b) => ({ ...b, sketch: b.sketch ? QuantileSketch.decode(b.sketch) : undefined })),
  }));
}

/** Answers a read request on `reads`' connection. */
export function answerRead<R extends ReadRequest>(reads: SqliteReads, request: R): ReadAnswer<R> {
  switch (request.op) {
    case 'services':
      return reads.services(request.page) as ReadAnswer<R>;
    case 'metrics':
      return reads.metrics(request.service, request.page) as ReadAnswer<R>;
    case 'buckets':
      return reads.buckets(request.query) as ReadAnswer<R>;
    case 'vql':
      return reads.vql(request.plan) as ReadAnswer<R>;
  }
}

/** The read queries of the store on one connection (read-only or not). */
export class SqliteReads {
  constructor(
    private readonly db: Db,
    private readonly limits: AnswerLimits = DEFAULT_ANSWER_LIMITS,
  ) {
    this.db.exec(
      'CREATE TEMP TABLE IF NOT EXISTS query_selection (series_id INTEGER PRIMARY KEY, grp INTEGER NOT NULL)',
    );
    this.db.exec(
      'CREATE TEMP TABLE IF NOT EXISTS query_values (tag_value TEXT PRIMARY KEY, grp INTEGER NOT NULL)',
    );
  }

  services(page: PageRequest): ServiceSummary[] {
    // The UNIQUE (service, name) index hands the services in order: a page reads only its rows.
    return this.db
      .prepare(
        `SELECT service AS name, count(*) AS metricCount, max(last_seen) AS lastSeen FROM metric
         WHERE service > ? GROUP BY service ORDER BY service LIMIT ?`,
      )
      .all(page.after ?? '', page.limit) as ServiceSummary[];
  }

  /**
   * One page of a service's metrics. Types, tag keys and counts are taken per metric in SQL, so
   * no series is held here; tag keys come from the first TAG_KEY_SCAN_SERIES series of a metric.
   */
  metrics(service: string, page: MetricPageRequest): MetricSummary[] {
    const names = page.names;
    const byName = names === undefined ? '' : `AND name IN (${names.map(() => '?').join(', ') || "''"})`;
    const metrics = this.db
      .prepare(
        `SELECT id, name, last_seen AS lastSeen FROM metric WHERE service = ? AND name > ? ${byName}
         ORDER BY name LIMIT ?`,
      )
      .all(service, page.after ?? '', ...(names ?? []), page.limit) as {
      id: number;
      name: string;
      lastSeen: number;
    }[];
    const types = this.db
      .prepare('SELECT DISTINCT type FROM series WHERE metric_id = ? ORDER BY type')
      .pluck();
    const count = this.db.prepare('SELECT count(*) FROM series WHERE metric_id = ?').pluck();
    const keys = this.db
      .prepare(
        `SELECT DISTINCT j.key FROM (SELECT tags FROM series WHERE metric_id = ? LIMIT ${TAG_KEY_SCAN_SERIES}) s,
         json_each(s.tags) j ORDER BY j.key`,
      )
      .pluck();
    return metrics.map((m) => ({
      name: m.name,
      types: types.all(m.id) as MetricType[],
      tagKeys: keys.all(m.id) as string[],
      seriesCount: count.get(m.id) as number,
      lastSeen: m.lastSeen,
    }));
  }

  buckets(q: BucketQuery): EncodedBucketGroup[] {
    // One snapshot: the series, a tag key's rollup state and the rows read agree with each other.
    return this.db.transaction(() => this.bucketsInSnapshot(q))();
  }

  private bucketsInSnapshot(q: BucketQuery): EncodedBucketGroup[] {
    const metric = this.db
      .prepare('SELECT id FROM metric WHERE service = ? AND name = ?')
      .get(q.service, q.metric) as { id: number } | undefined;
    if (!metric) return [];
    // Counted on the index before the series are read, so a metric of millions costs nothing.
    const stored = this.db
      .prepare('SELECT count(*) FROM series WHERE metric_id = ?')
      .pluck()
      .get(metric.id) as number;
    if (stored > this.limits.maxSeriesScanned)
      throw tooCostly('series', stored, this.limits.maxSeriesScanned);
    const series = this.db
      .prepare('SELECT id, type, tags FROM series WHERE metric_id = ?')
      .all(metric.id) as {
      id: number;
      type: MetricType;
      tags: string;
    }[];
    const groups: { tags: Record<string, string>; types: Set<MetricType> }[] = [];
    const groupIndex = new Map<string, number>();
    const selection: [number, number][] = [];
    const tagRollup = new TagRollupSelection(q);
    for (const s of series) {
      const tags = JSON.parse(s.tags) as Record<string, string>;
      if (!q.tagFilters.every(([k, v]) => tags[k] === v)) continue;
      const groupTags = Object.fromEntries(q.groupBy.map((k) => [k, tags[k] ?? '']));
      const key = JSON.stringify(groupTags);
      let g = groupIndex.get(key);
      if (g === undefined) {
        g = groups.length;
        groupIndex.set(key, g);
        groups.push({ tags: groupTags, types: new Set() });
      }
      groups[g]?.types.add(s.type);
      selection.push([s.id, g]);
      tagRollup.add(tags, g);
    }
    if (selection.length === 0) return [];
    checkBucketQuery(this.limits, q, selection.length, groups.length);
    const rows = this.readBuckets(q, metric.id, {
      series: selection,
      everySeries: selection.length === series.length && groups.length === 1,
      values: tagRollup.values(this.db, metric.id),
    });
    const out: EncodedBucketGroup[] = groups.map((g) => ({
      tags: g.tags,
      type: g.types.size === 1 && g.types.has('counter') ? 'counter' : 'gauge',
      buckets: [],
    }));
    for (const r of rows) out[r.grp]?.buckets.push(r.bucket);
    return out.filter((g) => g.buckets.length > 0);
  }

  private readBuckets(
    q: BucketQuery,
    metricId: number,
    selection: {
      readonly series: readonly [number, number][];
      readonly everySeries: boolean;
      readonly values: TagValueSelection | undefined;
    },
  ): { grp: number; bucket: EncodedBucket }[] {
    const table = tierTable(q.tier.name);
    const columns = [
      'sum(a.count)',
      'sum(a.sum)',
      'min(a.min)',
      'max(a.max)',
      q.needLast ? 'last_by_time(a.last, a.last_ts)' : 'NULL',
      q.needSketch ? 'sketch_union(a.sketch)' : 'NULL',
      // The time of the value last_by_time picks: the latest one.
      q.needLast ? 'max(a.last_ts)' : 'NULL',
    ].join(', ');
    // % works on integers (a bound JS number arrives as REAL, so / would not truncate).
    const bucket = '(a.start - a.start % @step)';
    const params: Record<string, number | string> = {
      metric: metricId,
      from: q.from,
      to: q.to,
      step: q.stepMs,
    };
    let sql: string;
    const values = selection.values;
    if (selection.everySeries) {
      // Every series of the metric: its rollup holds them merged, one row per bucket.
      sql = `SELECT 0, ${bucket} AS b, ${columns} FROM ${rollupTable(q.tier.name)} a
             WHERE a.metric_id = @metric AND a.start >= @from AND a.start < @to GROUP BY b ORDER BY b`;
    } else if (values !== undefined) {
      // The selected series are exactly those with these values of one rolled-up key.
      fillTempTable(this.db, 'query_values', values.values);
      Object.assign(params, { key: values.key });
      sql = `SELECT v.grp, ${bucket} AS b, ${columns} FROM ${tagRollupTable(q.tier.name)} a
             CROSS JOIN temp.query_values v ON v.tag_value = a.tag_value
             WHERE a.metric_id = @metric AND a.tag_key = @key AND a.start >= @from AND a.start < @to
             GROUP BY v.grp, b ORDER BY v.grp, b`;
    } else {
      fillTempTable(this.db, 'query_selection', selection.series);
      // CROSS JOIN keeps the aggregate table as the outer loop: one range scan of its B-tree.
      sql = `SELECT s.grp, ${bucket} AS b, ${columns} FROM ${table} a CROSS JOIN temp.query_selection s
             ON s.series_id = a.series_id
             WHERE a.metric_id = @metric AND a.start >= @from AND a.start < @to GROUP BY s.grp, b ORDER BY s.grp, b`;
    }
    const rows: BucketRow[] = [];
    for (const row of this.db.prepare(sql).raw(true).iterate(params)) {
      if (rows.length === this.limits.maxPoints) throw answerTooLarge(this.limits.maxPoints);
      rows.push(row as BucketRow);
    }
    return rows.map(([grp, start, count, sum, min, max, last, sketch, lastTs]) => ({
      grp,
      bucket: {
        start,
        count,
        sum,
        min,
        max,
        last: last ?? undefined,
        ...(lastTs !== null ? { lastTimestamp: lastTs } : {}),
        sketch: sketch ?? undefined,
      },
    }));
  }

  vql(plan: LogicalPlan): { rows: VqlRow[]; sorted: boolean } {
    // One snapshot: the rollup checked is the rollup read.
    return this.db.transaction(() => this.vqlRows(plan, compileSqlite(plan, this.vqlRollup(plan))))();
  }

  /**
   * The rollup that answers the plan exactly, if one does. A metric's rollup holds every one of
   * its series (written with them, filled from them on migration), so the plan's shape decides;
   * a tag key's holds only what tagRollupHolds checks.
   */
  private vqlRollup(plan: LogicalPlan): SqliteCompileOptions {
    if (readsEverySeries(plan)) return { rollup: { kind: 'metric' } };
    const key = tagRollupKey(plan);
    return key !== undefined && this.tagRollupHolds(plan, key) ? { rollup: { kind: 'tag', key } } : {};
  }

  /**
   * Whether the rollup of `key` holds every series the plan reads: the key is open for each metric
   * the plan's service and metric terms select, and every series of those metrics carries it.
   */
  private tagRollupHolds(plan: LogicalPlan, key: string): boolean {
    const metrics = compileMetricSelection(plan);
    // EXISTS stops at the first gap, and a closed key (per-host tags) is found before any tags are read.
    const gap = this.db
      .prepare(
        `SELECT EXISTS (SELECT 1 FROM (${metrics.sql}) x
                   LEFT JOIN ${TAG_ROLLUP_KEY_TABLE} k ON k.metric_id = x.id AND k.tag_key = ?
                 WHERE k.open IS NOT 1)
             OR EXISTS (SELECT 1 FROM series s
                 WHERE s.metric_id IN (${metrics.sql}) AND json_type(s.tags, ?) IS NULL)`,
      )
      .pluck()
      .get(...metrics.params, key, ...metrics.params, tagPath(key));
    return gap === 0;
  }

  private vqlRows(plan: LogicalPlan, compiled: CompiledSql): { rows: VqlRow[]; sorted: boolean } {
    const raw: Record<string, unknown>[] = [];
    // Rows are a plan's points, or its series when it has no time bucket; read one past the
    // limit, so that an answer over it is never held whole.
    const limit = plan.stepMs === undefined ? this.limits.maxSeries : this.limits.maxPoints;
    for (const row of this.db.prepare(compiled.sql).iterate(...compiled.params)) {
      if (raw.length === limit)
        throw plan.stepMs === undefined ? tooManySeries(limit) : answerTooLarge(limit);
      raw.push(row as Record<string, unknown>);
    }
    const rows = raw.map((r) => {
      const out: Record<string, VqlValue> = {};
      for (const [id, column] of Object.entries(compiled.columns)) {
        const value = r[column.alias];
        if (column.kind === 'sketch') {
          out[id] = Buffer.isBuffer(value)
            ? rowQuantile(value, column.quantile, r, compiled.sketchBounds)
            : null;
        } else {
          out[id] = typeof value === 'number' || typeof value === 'string' ? value : null;
        }
      }
      return out;
    });
    return { rows, sorted: compiled.sortedAndLimited };
  }
}

/** A percentile of a row: its merged sketch's quantile, clamped into the row's [min, max]. */
function rowQuantile(
  blob: Buffer,
  q: number,
  row: Record<string, unknown>,
  bounds: { min: string; max: string } | undefined,
): number | null {
  const min = bounds ? Number(row[bounds.min]) : Number.NEGATIVE_INFINITY;
  const max = bounds ? Number(row[bounds.max]) : Number.POSITIVE_INFINITY;
  return clampedQuantile(QuantileSketch.decode(blob), q, min, max) ?? null;
}
