import { TIERS, quantileOf } from '../../core/index.js';
import type {
  Filter,
  FilterField,
  GroupKey,
  LogicalPlan,
  PlanAggregate,
  SortKey,
} from '../../query/index.js';
import { tierTable } from './schema.js';

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
export const SQLITE_TABLES = ['metric', 'series', ...TIERS.map((t) => tierTable(t.name))];
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
 * Compiles a plan for the SQLite schema (./schema.ts). The text is assembled only
 * from fixed fragments, schema names and the plan's ids (k0, v1); every user value, tag keys
 * included, is a bound parameter.
 */
export function compileSqlite(plan: LogicalPlan): CompiledSql {
  const params: SqlParam[] = [];
  const bind = (v: SqlParam): string => {
    params.push(v);
    return '?';
  };
  const columns: Record<string, SqliteColumn> = {};
  const select: string[] = [];

  for (const k of plan.groupKeys) {
    select.push(`${keySql(k.key, bind)} AS ${k.id}`);
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

  const where = [`a.start >= ${bind(plan.scan.from)}`, `a.start < ${bind(plan.scan.to)}`];
  if (plan.filter) where.push(filterSql(plan.filter, bind));

  const lines = [
    `SELECT ${select.join(', ')}`,
    `FROM ${tierTable(plan.tier.name)} AS a`,
    'JOIN series AS s ON s.id = a.series_id',
    'JOIN metric AS m ON m.id = s.metric_id',
    `WHERE ${where.join(' AND ')}`,
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

function keySql(key: GroupKey, bind: (v: SqlParam) => string): string {
  if (key.kind === 'time_bucket') return `(a.start - a.start % ${bind(key.stepMs)})`;
  return fieldSql(key, bind);
}

function fieldSql(field: FilterField, bind: (v: SqlParam) => string): string {
  if (field.kind !== 'tag') return FIELD_SQL[field.kind];
  // A missing tag reads as '', as in the store's own grouping.
  return `ifnull(json_extract(s.tags, ${bind(tagPath(field.key))}), ${bind('')})`;
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

function filterSql(f: Filter, bind: (v: SqlParam) => string): string {
  switch (f.kind) {
    case 'and':
    case 'or':
      return `(${f.operands.map((o) => filterSql(o, bind)).join(f.kind === 'and' ? ' AND ' : ' OR ')})`;
    case 'not':
      return `NOT ${filterSql(f.operand, bind)}`;
    case 'eq':
      return `(${fieldSql(f.field, bind)} = ${bind(f.value)})`;
    case 'ne':
      return `(${fieldSql(f.field, bind)} != ${bind(f.value)})`;
    case 'in':
    case 'not_in': {
      const field = fieldSql(f.field, bind);
      const list = f.values.map((v) => bind(v)).join(', ');
      return `(${field} ${f.kind === 'in' ? 'IN' : 'NOT IN'} (${list}))`;
    }
    case 'like':
    case 'not_like':
      // GLOB, because SQLite's LIKE ignores case and VQL's (like ClickHouse's) does not.
      return `(${fieldSql(f.field, bind)} ${f.kind === 'like' ? 'GLOB' : 'NOT GLOB'} ${bind(likeToGlob(f.pattern))})`;
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
