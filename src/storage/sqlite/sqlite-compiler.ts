import { TIERS, quantileOf } from '../../core/index.js';
import type { Aggregation } from '../../core/index.js';
import type {
  Filter,
  FilterField,
  LogicalPlan,
  PlanAggregate,
  PlanGroupKey,
  ScanPiece,
  SortKey,
} from '../../query/index.js';
import { filterFields } from '../../query/index.js';
import { MERGED_VALUE_COLUMNS, rollupTable, tagRollupTable, tierTable } from './schema.js';
import { likeToGlob, tagPath } from './sqlite-values.js';

/** A value bound to a `?` of the SQL text, in order. */
export type SqlParam = string | number;

/** How the executor reads one result column of the compiled SQL. */
export type SqliteColumn =
  | { readonly alias: string; readonly kind: 'value' }
  /** A `sketch_union` blob: decode it and take the quantile, clamped into [min, max] of its row. */
  | { readonly alias: string; readonly kind: 'sketch'; readonly quantile: number };

export interface CompiledSql {
  /** One SELECT; its only identifiers come from the schema and from the plan's ids. */
  readonly sql: string;
  readonly params: readonly SqlParam[];
  /** Keyed by the plan's group key and aggregate ids. */
  readonly columns: Readonly<Record<string, SqliteColumn>>;
  /** Aliases of min(min) and max(max) of each row, present when some column is a sketch. */
  readonly sketchBounds: { readonly min: string; readonly max: string } | undefined;
  /**
   * False when ORDER BY needs a percentile: the SQL then has neither ORDER BY nor LIMIT and the
   * executor sorts the rows by plan.orderBy and keeps plan.limit of them.
   */
  readonly sortedAndLimited: boolean;
}

/** Tables and SQL functions the compiled text may contain; the fuzz test checks it against this list. */
export const SQLITE_TABLES = [
  'metric',
  'series',
  ...TIERS.map((t) => tierTable(t.name)),
  ...TIERS.map((t) => rollupTable(t.name)),
  ...TIERS.map((t) => tagRollupTable(t.name)),
];
export const SQLITE_FUNCTIONS = [
  'sum',
  'total',
  'min',
  'max',
  'ifnull',
  'json_extract',
  'sketch_union',
  'last_by_time',
] as const;

const FIELD_SQL: Readonly<Record<'service' | 'metric' | 'type', string>> = {
  service: 'm.service',
  metric: 'm.name',
  type: 's.type',
};

/**
 * A rollup that merges the series rows a plan reads (./schema.ts): a metric's (`metric`), when
 * `readsEverySeries(plan)`; a tag key's (`tag`), when `tagRollupKey(plan)` names it and the store
 * has checked that the rollup holds every series the plan reads (sqlite-reads.ts).
 */
export type SqliteRollup = { readonly kind: 'metric' } | { readonly kind: 'tag'; readonly key: string };

export interface SqliteCompileOptions {
  /** Read this rollup instead of the series rows. */
  readonly rollup?: SqliteRollup;
}

/** What the text being compiled binds its values with, and which rows it reads. */
interface Context {
  bind(v: SqlParam): string;
  readonly rollup: SqliteRollup | undefined;
  /**
   * True when the rows are first merged per series (and time bucket) in a sub-SELECT: the outer
   * query then joins, filters and groups a row per series, not a row per series and tier bucket.
   */
  readonly perSeries: boolean;
}

/**
 * Compiles a plan for the SQLite schema (./schema.ts). The text is assembled only
 * from fixed fragments, schema names and the plan's ids (k0, v1); every user value, tag keys
 * included, is a bound parameter.
 */
export function compileSqlite(plan: LogicalPlan, options: SqliteCompileOptions = {}): CompiledSql {
  const params: SqlParam[] = [];
  const ctx: Context = {
    bind: (v: SqlParam): string => {
      params.push(v);
      return '?';
    },
    rollup: options.rollup,
    perSeries: options.rollup === undefined && mergesPerSeries(plan),
  };
  const bind = ctx.bind;
  const columns: Record<string, SqliteColumn> = {};
  const select: string[] = [];

  // Parameters bind in the order of the text: this SELECT, then its FROM, WHERE and LIMIT.
  for (const k of plan.groupKeys) {
    select.push(`${keySql(k, ctx)} AS ${k.id}`);
    columns[k.id] = { alias: k.id, kind: 'value' };
  }
  let sketches = false;
  for (const a of plan.aggregates) {
    select.push(`${aggregateSql(a, plan, bind)} AS ${a.id}`);
    const q = quantileOf(a.fn);
    columns[a.id] =
      q === undefined ? { alias: a.id, kind: 'value' } : { alias: a.id, kind: 'sketch', quantile: q };
    if (q !== undefined) sketches = true;
  }
  if (sketches) select.push('min(a.min) AS qmin', 'max(a.max) AS qmax');

  const from = ctx.perSeries ? perSeriesSql(plan, ctx) : scanSql(plan, ctx);
  const where = [...from.where];
  // The series rows are selected by the filter in scanSql; a rollup's rows are tested here.
  if (plan.filter && ctx.rollup !== undefined) where.push(filterSql(plan.filter, ctx));

  const lines = [
    `SELECT ${select.join(', ')}`,
    `FROM ${from.table} AS a`,
    ...(ctx.rollup === undefined
      ? ['JOIN series AS s ON s.id = a.series_id', 'JOIN metric AS m ON m.id = s.metric_id']
      : ['JOIN metric AS m ON m.id = a.metric_id']),
    ...(where.length > 0 ? [`WHERE ${where.join(' AND ')}`] : []),
  ];
  if (plan.groupKeys.length > 0) lines.push(`GROUP BY ${plan.groupKeys.map((k) => k.id).join(', ')}`);
  if (!plan.sortAfterQuery) {
    const order = orderSql(plan.orderBy, plan);
    if (order) lines.push(`ORDER BY ${order}`);
    lines.push(`LIMIT ${bind(plan.limit)}`);
  }
  return {
    sql: lines.join('\n'),
    params,
    columns,
    sketchBounds: sketches ? { min: 'qmin', max: 'qmax' } : undefined,
    sortedAndLimited: !plan.sortAfterQuery,
  };
}

/**
 * Whether the series rows are merged per series (and time bucket) before the join: when a series
 * has several rows per group of the answer (no time bucket, or buckets coarser than the tier), so
 * that each series' tags are read and tested once, not once per row. With one row per series and
 * bucket the merge would only add a sort.
 */
function mergesPerSeries(plan: LogicalPlan): boolean {
  return plan.stepMs === undefined || plan.stepMs > plan.tier.resolutionMs;
}

/** The value columns of a row of aggregates (AGGREGATE_VALUE_COLUMNS in ./schema.ts, count first). */
type ValueColumn = 'count' | 'sum' | 'min' | 'max' | 'last' | 'last_ts' | 'sketch';

/** What each aggregate reads of a row, so that a query reads no sketch it does not use. */
const READS: Readonly<Record<Aggregation, readonly ValueColumn[]>> = {
  avg: ['sum', 'count'],
  sum: ['sum'],
  min: ['min'],
  max: ['max'],
  count: ['count'],
  last: ['last', 'last_ts'],
  rate: ['sum', 'count'],
  // With min and max: a percentile is clamped into its row's range.
  p50: ['sketch', 'min', 'max'],
  p90: ['sketch', 'min', 'max'],
  p95: ['sketch', 'min', 'max'],
  p99: ['sketch', 'min', 'max'],
};

function valueColumns(plan: LogicalPlan): ValueColumn[] {
  const read = new Set(plan.aggregates.flatMap((a) => READS[a.fn]));
  return MERGED_VALUE_COLUMNS.map(([c]) => c).filter((c) => read.has(c));
}

/**
 * The openings of the sub-SELECTs the compiled text may hold besides its own: fixed text, so the
 * fuzz test can tell them from anything a query could smuggle in.
 */
export const SQLITE_SUBQUERIES = [
  'SELECT m.id FROM metric AS m',
  'SELECT s.id FROM series AS s JOIN metric AS m ON m.id = s.metric_id WHERE s.metric_id IN',
  'SELECT a.series_id AS series_id',
  'SELECT metric_id, start',
] as const;

/**
 * The series rows merged per series and time bucket (mergesPerSeries): the values each aggregate
 * reads, merged as the rollups merge them, so that the outer aggregates read them as they would
 * the rows themselves.
 */
function perSeriesSql(
  plan: LogicalPlan,
  ctx: Context,
): { readonly table: string; readonly where: readonly string[] } {
  const buckets = plan.groupKeys.flatMap((k) =>
    k.key.kind === 'time_bucket'
      ? [{ id: k.id, sql: `(a.start - a.start % ${ctx.bind(k.key.stepMs)})` }]
      : [],
  );
  const merged = new Map(MERGED_VALUE_COLUMNS);
  const select = [
    SQLITE_SUBQUERIES[2],
    ...buckets.map((b) => `${b.sql} AS ${b.id}`),
    ...valueColumns(plan).map((c) => `${merged.get(c) as string} AS ${c}`),
  ];
  const rows = scanSql(plan, ctx);
  const where = rows.where.length > 0 ? ` WHERE ${rows.where.join(' AND ')}` : '';
  const group = ['a.series_id', ...buckets.map((b) => b.id)].join(', ');
  return { table: `(${select.join(', ')} FROM ${rows.table} AS a${where} GROUP BY ${group})`, where: [] };
}

/**
 * The rows the plan reads, as a table (one tier or rollup table, or the union of its pieces) and
 * the conditions on it. Each piece reads its table's B-tree by (metric_id, start): the metrics
 * the filter can name are looked up first, so no table is ever scanned whole.
 */
function scanSql(
  plan: LogicalPlan,
  ctx: Context,
): { readonly table: string; readonly where: readonly string[] } {
  const metrics = (): string => {
    const selection = compileMetricSelection(plan);
    for (const p of selection.params) ctx.bind(p);
    return `(${selection.sql})`;
  };
  const rollup = ctx.rollup;
  const table = (t: ScanPiece['tier']): string => {
    if (rollup === undefined) return tierTable(t.name);
    return rollup.kind === 'metric' ? rollupTable(t.name) : tagRollupTable(t.name);
  };
  const tagKey = (prefix: string): string[] =>
    rollup?.kind === 'tag' ? [`${prefix}tag_key = ${ctx.bind(rollup.key)}`] : [];
  const pieces = plan.pieces.length > 0 ? plan.pieces : [{ tier: plan.tier, ...plan.scan }];
  if (pieces.length === 1) {
    const piece = pieces[0] as (typeof pieces)[number];
    return {
      table: table(piece.tier),
      where: [
        `a.metric_id IN ${metrics()}`,
        ...tagKey('a.'),
        `a.start >= ${ctx.bind(piece.from)}`,
        `a.start < ${ctx.bind(piece.to)}`,
        ...seriesSelection(plan, ctx, metrics),
      ],
    };
  }
  // Each arm reads only the columns the query uses: a sketch blob is read only for a percentile.
  const keyColumns = rollup === undefined ? ['series_id'] : rollup.kind === 'tag' ? ['tag_value'] : [];
  const head = [SQLITE_SUBQUERIES[3], ...keyColumns, ...valueColumns(plan)].join(', ');
  const arms = pieces.map((p) => {
    // Bound in the order of the text: the metric ids' values come first.
    const conditions = [
      `metric_id IN ${metrics()}`,
      ...tagKey(''),
      `start >= ${ctx.bind(p.from)}`,
      `start < ${ctx.bind(p.to)}`,
    ];
    return `${head} FROM ${table(p.tier)} WHERE ${conditions.join(' AND ')}`;
  });
  return { table: `(${arms.join(' UNION ALL ')})`, where: seriesSelection(plan, ctx, metrics) };
}

/**
 * The series rows' condition of a filter that tests more than service and metric names: the ids
 * of the series it selects, found once per series in a sub-SELECT, so that a row costs an id
 * lookup rather than a join and a tag read. Without such a filter the metric ids select exactly.
 */
function seriesSelection(plan: LogicalPlan, ctx: Context, metrics: () => string): string[] {
  if (ctx.rollup !== undefined || plan.filter === undefined || namesMetricsOnly(plan.filter)) return [];
  const inMetrics = metrics();
  return [`a.series_id IN (${SQLITE_SUBQUERIES[1]} ${inMetrics} AND ${filterSql(plan.filter, ctx)})`];
}

/**
 * The ids of the metrics a plan can read (its service and metric terms), as one SELECT: what a
 * store checks before it lets a rollup answer the plan.
 */
export function compileMetricSelection(plan: LogicalPlan): { sql: string; params: SqlParam[] } {
  const params: SqlParam[] = [];
  const ctx: Context = {
    bind: (v) => {
      params.push(v);
      return '?';
    },
    rollup: undefined,
    perSeries: false,
  };
  const where = metricOnlyConjuncts(plan.filter).map((f) => filterSql(f, ctx));
  return { sql: `${SQLITE_SUBQUERIES[0]}${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''}`, params };
}

/**
 * The top-level AND terms of a filter that test only the service and metric name: the metric
 * table alone answers them, before any aggregate row is read.
 */
function metricOnlyConjuncts(f: Filter | undefined): Filter[] {
  if (f === undefined) return [];
  const terms = f.kind === 'and' ? f.operands : [f];
  return terms.filter(namesMetricsOnly);
}

function namesMetricsOnly(f: Filter): boolean {
  return filterFields(f).every((field) => field.kind === 'service' || field.kind === 'metric');
}

function keySql({ id, key }: PlanGroupKey, ctx: Context): string {
  if (key.kind !== 'time_bucket') return fieldSql(key, ctx);
  // Merged per series, the rows already carry their bucket (perSeriesSql).
  return ctx.perSeries ? `a.${id}` : `(a.start - a.start % ${ctx.bind(key.stepMs)})`;
}

function fieldSql(field: FilterField, ctx: Context): string {
  if (field.kind !== 'tag') return FIELD_SQL[field.kind];
  // tagRollupKey(plan) names the plan's only tag key, so a rollup row's value is the one asked.
  if (ctx.rollup?.kind === 'tag') return 'a.tag_value';
  // A missing tag reads as '', as in the store's own grouping.
  return `ifnull(json_extract(s.tags, ${ctx.bind(tagPath(field.key))}), ${ctx.bind('')})`;
}

function aggregateSql(a: PlanAggregate, plan: LogicalPlan, bind: (v: SqlParam) => string): string {
  switch (a.fn) {
    case 'avg':
      return 'sum(a.sum) / sum(a.count)';
    case 'sum':
      return 'sum(a.sum)';
    case 'min':
      return 'min(a.min)';
    case 'max':
      return 'max(a.max)';
    case 'count':
      return 'total(a.count)';
    case 'last':
      return 'last_by_time(a.last, a.last_ts)';
    case 'rate':
      // Per second: a counter's rows hold deltas (sum), a gauge's rate is how often it was sent (count).
      return `sum(CASE s.type WHEN ${bind('counter')} THEN a.sum ELSE a.count END) / ${bind(plan.rateSeconds)}`;
    default:
      return 'sketch_union(a.sketch)';
  }
}

function filterSql(f: Filter, ctx: Context): string {
  const bind = ctx.bind;
  switch (f.kind) {
    case 'and':
    case 'or':
      return `(${f.operands.map((o) => filterSql(o, ctx)).join(f.kind === 'and' ? ' AND ' : ' OR ')})`;
    case 'not':
      return `NOT ${filterSql(f.operand, ctx)}`;
    case 'eq':
      return `(${fieldSql(f.field, ctx)} = ${bind(f.value)})`;
    case 'ne':
      return `(${fieldSql(f.field, ctx)} != ${bind(f.value)})`;
    case 'in':
    case 'not_in': {
      const field = fieldSql(f.field, ctx);
      const list = f.values.map((v) => bind(v)).join(', ');
      return `(${field} ${f.kind === 'in' ? 'IN' : 'NOT IN'} (${list}))`;
    }
    case 'like':
    case 'not_like':
      // GLOB, because SQLite's LIKE ignores case and VQL's (like ClickHouse's) does not.
      return `(${fieldSql(f.field, ctx)} ${f.kind === 'like' ? 'GLOB' : 'NOT GLOB'} ${bind(likeToGlob(f.pattern))})`;
  }
}

function orderSql(orderBy: readonly SortKey[], plan: LogicalPlan): string {
  const parts = orderBy.map((o) => `${o.source.id} ${o.direction === 'desc' ? 'DESC' : 'ASC'}`);
  // Ties break on the group keys, so that LIMIT cuts the same rows every time.
  for (const k of plan.groupKeys) {
    if (!orderBy.some((o) => o.source.id === k.id)) parts.push(`${k.id} ASC`);
  }
  return parts.join(', ');
}
