import { TIERS, quantileOf } from '../../core/index.js';
import type {
  Filter,
  FilterField,
  GroupKey,
  LogicalPlan,
  PlanAggregate,
  ScanPiece,
  SortKey,
} from '../../query/index.js';
import { tagRollupTable, tierTable } from './schema.js';

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

export interface SqliteCompileOptions {
  /**
   * Read the per-value rollup of this tag key (tagRollupTable) instead of the series rows: only
   * when `tagRollupKey(plan)` names it and the store has checked that the rollup holds every
   * series the plan reads (sqlite-reads.ts).
   */
  readonly tagRollupKey?: string;
}

/** What the text being compiled binds its values with, and which rows it reads. */
interface Context {
  bind(v: SqlParam): string;
  readonly rollupKey: string | undefined;
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
    rollupKey: options.tagRollupKey,
  };
  const bind = ctx.bind;
  const columns: Record<string, SqliteColumn> = {};
  const select: string[] = [];

  for (const k of plan.groupKeys) {
    select.push(`${keySql(k.key, ctx)} AS ${k.id}`);
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

  const from = scanSql(plan, ctx);
  const where = [...from.where];
  if (plan.filter) where.push(filterSql(plan.filter, ctx));

  const lines = [
    `SELECT ${select.join(', ')}`,
    `FROM ${from.table} AS a`,
    ...(ctx.rollupKey === undefined
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

/** The columns every tier table has, in their order (./schema.ts). */
const TIER_COLUMNS = 'metric_id, start, series_id, count, sum, min, max, last, last_ts, sketch';
/** The columns of a tag rollup a plan reads. */
const TAG_ROLLUP_COLUMNS = 'metric_id, start, tag_value, count, sum, min, max, last, last_ts, sketch';

/**
 * The openings of the sub-SELECTs the compiled text may hold besides its own: fixed text, so the
 * fuzz test can tell them from anything a query could smuggle in.
 */
export const SQLITE_SUBQUERIES = [
  'SELECT m.id FROM metric AS m',
  `SELECT ${TIER_COLUMNS} FROM`,
  `SELECT ${TAG_ROLLUP_COLUMNS} FROM`,
] as const;

/**
 * The rows the plan reads, as a table (one tier table, or the union of its pieces) and the
 * conditions on it. Each piece reads its tier's B-tree by (metric_id, start): the metrics the
 * filter can name are looked up first, so no tier table is ever scanned whole.
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
  const rollup = ctx.rollupKey;
  const table = (t: ScanPiece['tier']): string =>
    rollup === undefined ? tierTable(t.name) : tagRollupTable(t.name);
  const pieces = plan.pieces.length > 0 ? plan.pieces : [{ tier: plan.tier, ...plan.scan }];
  if (pieces.length === 1) {
    const piece = pieces[0] as (typeof pieces)[number];
    return {
      table: table(piece.tier),
      where: [
        `a.metric_id IN ${metrics()}`,
        ...(rollup === undefined ? [] : [`a.tag_key = ${ctx.bind(rollup)}`]),
        `a.start >= ${ctx.bind(piece.from)}`,
        `a.start < ${ctx.bind(piece.to)}`,
      ],
    };
  }
  const arms = pieces.map((p) => {
    const head = rollup === undefined ? SQLITE_SUBQUERIES[1] : SQLITE_SUBQUERIES[2];
    // Bound in the order of the text: the metric ids' values come first.
    const inMetrics = `metric_id IN ${metrics()}`;
    const key = rollup === undefined ? '' : ` AND tag_key = ${ctx.bind(rollup)}`;
    return `${head} ${table(p.tier)} WHERE ${inMetrics}${key} AND start >= ${ctx.bind(p.from)} AND start < ${ctx.bind(p.to)}`;
  });
  return { table: `(${arms.join(' UNION ALL ')})`, where: [] };
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
    rollupKey: undefined,
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
  switch (f.kind) {
    case 'and':
    case 'or':
      return f.operands.every(namesMetricsOnly);
    case 'not':
      return namesMetricsOnly(f.operand);
    default:
      return f.field.kind === 'service' || f.field.kind === 'metric';
  }
}

function keySql(key: GroupKey, ctx: Context): string {
  if (key.kind === 'time_bucket') return `(a.start - a.start % ${ctx.bind(key.stepMs)})`;
  return fieldSql(key, ctx);
}

function fieldSql(field: FilterField, ctx: Context): string {
  if (field.kind !== 'tag') return FIELD_SQL[field.kind];
  // tagRollupKey(plan) names the plan's only tag key, so a rollup row's value is the one asked.
  if (ctx.rollupKey !== undefined) return 'a.tag_value';
  // A missing tag reads as '', as in the store's own grouping.
  return `ifnull(json_extract(s.tags, ${ctx.bind(tagPath(field.key))}), ${ctx.bind('')})`;
}

/** The JSON path of a tag; the validator refuses keys with '"' or '\\', which a path cannot quote. */
export function tagPath(key: string): string {
  return `$."${key}"`;
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

/** A LIKE pattern (`%`, `_`, `\` escapes) as the GLOB pattern that matches the same strings. */
export function likeToGlob(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '\\' && i + 1 < pattern.length && '%_\\'.includes(pattern[i + 1] as string)) {
      out += globLiteral(pattern[++i] as string);
    } else if (c === '%') out += '*';
    else if (c === '_') out += '?';
    else out += globLiteral(c);
  }
  return out;
}

function globLiteral(c: string): string {
  return c === '*' || c === '?' || c === '[' ? `[${c}]` : c;
}

function orderSql(orderBy: readonly SortKey[], plan: LogicalPlan): string {
  const parts = orderBy.map((o) => `${o.source.id} ${o.direction === 'desc' ? 'DESC' : 'ASC'}`);
  // Ties break on the group keys, so that LIMIT cuts the same rows every time.
  for (const k of plan.groupKeys) {
    if (!orderBy.some((o) => o.source.id === k.id)) parts.push(`${k.id} ASC`);
  }
  return parts.join(', ');
}
