import { HOUR_MS, quantileOf } from '../../core/index.js';
import type { Tier } from '../../core/index.js';
import type {
  Filter,
  FilterField,
  GroupKey,
  LogicalPlan,
  PlanAggregate,
  ScanPiece,
  SortKey,
} from '../../query/index.js';
import { filterFields } from '../../query/index.js';
import { TIER_TABLES } from './schema.js';
import { METRIC_ROLLUP_TABLES } from './metric-rollup-schema.js';
import { SERIES_TABLE } from './schema.js';
import { TAG_ROLLUP_TABLES } from './tag-rollup-schema.js';

/**
 * The ClickHouse dialect of VQL, for the schema of ./schema.ts (whose TIER_TABLES it reads): one
 * denormalized table per tier (service, metric, type and the tag map on every row), partial
 * aggregates of a series-minute stored as separate rows (several collectors, flushes, batches,
 * and rollup rows not merged yet) and merged here with GROUP BY, so the answer never waits for a
 * background merge. Sketches are `Map(Int32, Float64)` bucket counts that `sumMap` adds exactly;
 * the store turns the merged maps into a QuantileSketch (src/core) and takes the quantile there, so
 * both stores compute a percentile with the same code.
 */

/** A ClickHouse query parameter type, written into the text as `{p0:Type}`. */
type ParamType = 'String' | 'UInt32' | 'UInt64' | 'Float64';

/** How the executor reads one result column. */
export type ClickHouseColumn =
  | { readonly alias: string; readonly kind: 'text' }
  /** A number; 64-bit integers may arrive as JSON strings. */
  | { readonly alias: string; readonly kind: 'number' }
  /** The quantile of the row's merged sketch (CompiledClickHouse.sketch), clamped into [min, max]. */
  | { readonly kind: 'quantile'; readonly quantile: number };

/** Aliases of the merged sketch of a row and of its bounds. */
export interface SketchAliases {
  readonly zero: string;
  readonly positive: string;
  readonly negative: string;
  readonly min: string;
  readonly max: string;
}

export interface CompiledClickHouse {
  /** One SELECT; its only identifiers come from the schema and from the plan's ids. */
  readonly sql: string;
  /** Values of the `{pN:Type}` placeholders, for @clickhouse/client's `query_params`. */
  readonly params: Readonly<Record<string, string | number>>;
  /** Keyed by the plan's group key and aggregate ids. */
  readonly columns: Readonly<Record<string, ClickHouseColumn>>;
  /** Present when some column is a percentile: one merged sketch per row serves all of them. */
  readonly sketch: SketchAliases | undefined;
  /**
   * False when ORDER BY needs a percentile: the SQL then has neither ORDER BY nor LIMIT and the
   * executor sorts the rows by plan.orderBy and keeps plan.limit of them.
   */
  readonly sortedAndLimited: boolean;
}

export interface ClickHouseCompileOptions {
  /** Database that holds the tables; the query is unqualified without it. */
  readonly database?: string;
  /**
   * Epoch ms from which the per-metric rollups are whole (metric-rollup-schema.ts, the cutoff);
   * without it, or for a scan that starts before it, the tier tables are read.
   */
  readonly metricRollupsFrom?: number | undefined;
  /**
   * Read the per-tag-value rollups of this key (tag-rollup-schema.ts): `tagRollupKey(plan)` names
   * it, and the store checked that the plan's range starts at or after its cutoff and that no
   * series the plan selects lacks it (seriesLackingKeySql).
   */
  readonly tagRollupKey?: string | undefined;
}

/** Tables and SQL functions the compiled text may contain; the fuzz test checks it against this list. */
export const CLICKHOUSE_TABLES = [
  ...Object.values(TIER_TABLES),
  ...Object.values(METRIC_ROLLUP_TABLES),
  ...Object.values(TAG_ROLLUP_TABLES),
];
export const CLICKHOUSE_FUNCTIONS = [
  'sum',
  'sumOrNull',
  'minOrNull',
  'maxOrNull',
  'min',
  'max',
  'argMax',
  'argMaxOrNull',
  'tupleElement',
  'tuple',
  'sumMap',
  'if',
  'toFloat64',
  'toDateTime',
  'toUnixTimestamp',
  'intDiv',
] as const;

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

const FIELD_SQL: Readonly<Record<'service' | 'metric' | 'type', string>> = {
  service: 'service_name',
  metric: 'metric_name',
  type: 'type',
};

/**
 * The value half of a rollup's `last_at` (time, value) tuple. The one number the compiler writes
 * into SQL text: a fixed position in the schema, not a value from the query.
 */
export const LAST_VALUE_OF_ROLLUP = 'tupleElement(last_at, 2)';

/** DateTime holds seconds from 0 to 2^32 - 1; a range beyond that holds no rows either way. */
const MAX_DATETIME_SECONDS = 4_294_967_295;

type Bind = (value: string | number, type: ParamType) => string;

/** Parameters p0, p1... in the order the text binds them. */
function binder(): { params: Record<string, string | number>; bind: Bind } {
  const params: Record<string, string | number> = {};
  const bind: Bind = (value, type) => {
    const name = `p${Object.keys(params).length}`;
    params[name] = value;
    return `{${name}:${type}}`;
  };
  return { params, bind };
}

/**
 * Compiles a plan for the ClickHouse schema. The text is assembled only from fixed fragments,
 * schema names and the plan's ids (k0, v1); every user value, tag keys included, is a `{pN:Type}`
 * query parameter.
 */
export function compileClickHouse(
  plan: LogicalPlan,
  options: ClickHouseCompileOptions = {},
): CompiledClickHouse {
  const { params, bind } = binder();
  // Without GROUP BY an empty selection still gives one row, in which SQL (and SQLite) says NULL
  // where plain ClickHouse aggregates say 0: the -OrNull forms answer as SQL does. With GROUP BY no
  // group is empty, and the plain forms are cheaper.
  const orNull = plan.groupKeys.length === 0 ? 'OrNull' : '';
  const columns: Record<string, ClickHouseColumn> = {};
  const select: string[] = [];
  const tagKey = options.tagRollupKey;
  const perMetric =
    tagKey === undefined &&
    options.metricRollupsFrom !== undefined &&
    plan.scan.from >= options.metricRollupsFrom &&
    readsMetricRollup(plan);
  const rollup: Rollup = tagKey !== undefined ? 'tag' : perMetric ? 'metric' : undefined;
  // The minute table alone keeps `last` as two columns; rollups and pieces as the tuple last_at.
  const minuteRows =
    rollup === undefined && pieces(plan).length === 1 && (pieces(plan)[0] as ScanPiece).tier.name === '1m';
  const field = fieldReader(bind, tagKey !== undefined);

  for (const k of plan.groupKeys) {
    select.push(`${keySql(k.key, bind, field)} AS ${k.id}`);
    columns[k.id] = { alias: k.id, kind: k.key.kind === 'time_bucket' ? 'number' : 'text' };
  }
  let sketch = false;
  for (const a of plan.aggregates) {
    const q = quantileOf(a.fn);
    if (q !== undefined) {
      columns[a.id] = { kind: 'quantile', quantile: q };
      sketch = true;
      continue;
    }
    select.push(`${aggregateSql(a, plan, orNull, bind, minuteRows)} AS ${a.id}`);
    columns[a.id] = { alias: a.id, kind: 'number' };
  }
  if (sketch) {
    select.push(
      'sum(sketch_zero) AS qzero',
      'sumMap(sketch_pos) AS qpos',
      'sumMap(sketch_neg) AS qneg',
      `min${orNull}(value_min) AS qmin`,
      `max${orNull}(value_max) AS qmax`,
    );
  }

  const lines = [`SELECT ${select.join(', ')}`, ...scanSql(plan, { ...options, rollup }, bind, field)];
  if (plan.groupKeys.length > 0) lines.push(`GROUP BY ${plan.groupKeys.map((k) => k.id).join(', ')}`);
  if (!plan.sortAfterQuery) {
    const order = orderSql(plan.orderBy, plan);
    if (order) lines.push(`ORDER BY ${order}`);
    lines.push(`LIMIT ${bind(plan.limit, 'UInt64')}`);
  }
  return {
    sql: lines.join('\n'),
    params,
    columns,
    sketch: sketch
      ? { zero: 'qzero', positive: 'qpos', negative: 'qneg', min: 'qmin', max: 'qmax' }
      : undefined,
    sortedAndLimited: !plan.sortAfterQuery,
  };
}

/**
 * Whether the per-metric rollups (METRIC_ROLLUP_TABLES: a metric's series merged per service,
 * metric, type and bucket) answer the plan: no group or condition names a tag, so the plan never
 * tells one series from another of the same service, metric and type. Every aggregate is there,
 * rate included (the type is kept). Unlike SQLite's rollups they need no check of the data: from
 * their cutoff on, the views fill them from every minute row.
 */
function readsMetricRollup(plan: LogicalPlan): boolean {
  return (
    !plan.groupKeys.some((k) => k.key.kind === 'tag') &&
    (plan.filter === undefined || !filterFields(plan.filter).some((field) => field.kind === 'tag'))
  );
}

/**
 * The plan's reads: its pieces once one of them reads the hourly or daily tier (then they read 12
 * to 1,440 times fewer rows there), else its one tier over its scan: minute and 5-minute pieces
 * save too little to pay for a UNION (over the last hour it was slower, docs/benchmarks.md).
 */
function pieces(plan: LogicalPlan): readonly ScanPiece[] {
  return plan.pieces.some((p) => p.tier.resolutionMs >= HOUR_MS)
    ? plan.pieces
    : [{ tier: plan.tier, ...plan.scan }];
}

/** The columns a piece of a read in several tiers gives: the rollups' (last_at a tuple). */
const PIECE_IDENTITY = 'service_name, metric_name, type';
const PIECE_TAG = 'tag_key, tag_value';
const PIECE_VALUES = 'timestamp, samples, value_sum, value_min, value_max';
const PIECE_SKETCH = 'sketch_zero, sketch_pos, sketch_neg';

/**
 * The openings of the sub-SELECTs of a read in several tiers, minute table, tier rollups,
 * per-metric rollups (no tags), then per-tag-value rollups: fixed text, so the fuzz test can tell
 * them from anything a query could smuggle in.
 */
export const CLICKHOUSE_SUBQUERIES = [
  `SELECT ${PIECE_IDENTITY}, tags, ${PIECE_VALUES}, tuple(last_ts, value_last) AS last_at, ${PIECE_SKETCH} FROM`,
  `SELECT ${PIECE_IDENTITY}, tags, ${PIECE_VALUES}, last_at, ${PIECE_SKETCH} FROM`,
  `SELECT ${PIECE_IDENTITY}, ${PIECE_VALUES}, last_at, ${PIECE_SKETCH} FROM`,
  `SELECT ${PIECE_IDENTITY}, ${PIECE_TAG}, ${PIECE_VALUES}, last_at, ${PIECE_SKETCH} FROM`,
] as const;

/** Which rollups a plan reads instead of the tier tables, if any. */
type Rollup = 'metric' | 'tag' | undefined;

interface ScanOptions extends ClickHouseCompileOptions {
  readonly rollup: Rollup;
}

/** How a field reads: over a per-tag-value rollup, its one tag is `tag_value`. */
type FieldReader = (field: FilterField) => string;

function fieldReader(bind: Bind, tagValue: boolean): FieldReader {
  // A missing key reads as '' from a Map, as VQL wants a missing tag to read.
  return (field) =>
    field.kind !== 'tag'
      ? FIELD_SQL[field.kind]
      : tagValue
        ? 'tag_value'
        : `tags[${bind(field.key, 'String')}]`;
}

/**
 * FROM and WHERE of the plan: one tier table, or the union of its pieces, each read from the
 * coarsest tier that holds it (the planner's pieces), the filter in each so that every piece reads
 * its table by its sorting key.
 */
function scanSql(plan: LogicalPlan, options: ScanOptions, bind: Bind, field: FieldReader): string[] {
  // Bucket starts are whole minutes, so whole seconds compare exactly.
  const seconds = (ms: number): number => Math.min(MAX_DATETIME_SECONDS, Math.max(0, Math.ceil(ms / 1000)));
  const where = (p: ScanPiece): string =>
    [
      `timestamp >= toDateTime(${bind(seconds(p.from), 'UInt32')})`,
      `timestamp < toDateTime(${bind(seconds(p.to), 'UInt32')})`,
      ...(options.tagRollupKey === undefined ? [] : [`tag_key = ${bind(options.tagRollupKey, 'String')}`]),
      ...(plan.filter ? [filterSql(plan.filter, bind, field)] : []),
    ].join(' AND ');
  const all = pieces(plan);
  if (all.length === 1) {
    const piece = all[0] as ScanPiece;
    return [`FROM ${tableName(piece.tier, options)}`, `WHERE ${where(piece)}`];
  }
  const arms = all.map((p) => {
    const head =
      CLICKHOUSE_SUBQUERIES[
        options.rollup === 'tag' ? 3 : options.rollup === 'metric' ? 2 : p.tier.name === '1m' ? 0 : 1
      ];
    return `${head} ${tableName(p.tier, options)} WHERE ${where(p)}`;
  });
  return [`FROM (${arms.join(' UNION ALL ')})`];
}

function tableName(tier: Tier, options: ScanOptions): string {
  const tables =
    options.rollup === 'tag'
      ? TAG_ROLLUP_TABLES
      : options.rollup === 'metric'
        ? METRIC_ROLLUP_TABLES
        : TIER_TABLES;
  return qualified(options.database, tables[tier.name]);
}

/** `database.table`, the database checked: a name cannot travel as a query parameter. */
function qualified(database: string | undefined, table: string): string {
  if (database === undefined) return table;
  if (!IDENTIFIER.test(database)) {
    throw new RangeError(`ClickHouse database name must match ${IDENTIFIER.source}`);
  }
  return `${database}.${table}`;
}

function keySql(key: GroupKey, bind: Bind, field: FieldReader): string {
  if (key.kind === 'time_bucket') {
    // Epoch ms of the bucket start, from whole seconds: the step is whole minutes.
    return `intDiv(toUnixTimestamp(timestamp), ${bind(key.stepMs / 1000, 'UInt64')}) * ${bind(key.stepMs, 'UInt64')}`;
  }
  return field(key);
}

function aggregateSql(
  a: PlanAggregate,
  plan: LogicalPlan,
  orNull: string,
  bind: Bind,
  minuteRows: boolean,
): string {
  switch (a.fn) {
    case 'avg':
      return `sum${orNull}(value_sum) / sum${orNull}(samples)`;
    case 'sum':
      return `sum${orNull}(value_sum)`;
    case 'min':
      return `min${orNull}(value_min)`;
    case 'max':
      return `max${orNull}(value_max)`;
    case 'count':
      return 'sum(samples)';
    case 'last':
      // The latest (time, value), ties to the larger value, as mergeAggregate and SQLite's last_by_time.
      return minuteRows
        ? `argMax${orNull}(value_last, (last_ts, value_last))`
        : `argMax${orNull}(${LAST_VALUE_OF_ROLLUP}, last_at)`;
    case 'rate':
      // Per second: a counter's rows hold deltas (sum), a gauge's rate is how often it was sent (count).
      return `sum${orNull}(if(type = ${bind('counter', 'String')}, value_sum, toFloat64(samples))) / ${bind(plan.rateSeconds, 'Float64')}`;
    default:
      throw new RangeError(`${a.fn} is read from the merged sketch, not compiled`);
  }
}

function filterSql(f: Filter, bind: Bind, fieldSql: FieldReader): string {
  switch (f.kind) {
    case 'and':
    case 'or':
      return `(${f.operands.map((o) => filterSql(o, bind, fieldSql)).join(f.kind === 'and' ? ' AND ' : ' OR ')})`;
    case 'not':
      return `NOT ${filterSql(f.operand, bind, fieldSql)}`;
    case 'eq':
      return `(${fieldSql(f.field)} = ${bind(f.value, 'String')})`;
    case 'ne':
      return `(${fieldSql(f.field)} != ${bind(f.value, 'String')})`;
    case 'in':
    case 'not_in': {
      const field = fieldSql(f.field);
      const list = f.values.map((v) => bind(v, 'String')).join(', ');
      return `(${field} ${f.kind === 'in' ? 'IN' : 'NOT IN'} (${list}))`;
    }
    case 'like':
    case 'not_like':
      return `(${fieldSql(f.field)} ${f.kind === 'like' ? 'LIKE' : 'NOT LIKE'} ${bind(likeToClickHouse(f.pattern), 'String')})`;
  }
}

/**
 * How many series catalog rows the plan's filter selects that lack `key` (time aside: the catalog
 * has none, and counting more series only makes a fallback likelier). Over the per-tag-value
 * rollup of `key` those series would be missing: the store reads it only when none is found.
 */
export function seriesLackingKeySql(
  plan: LogicalPlan,
  key: string,
  database: string,
): { sql: string; params: Record<string, string | number> } {
  const { params, bind } = binder();
  const where = [`NOT mapContains(tags, ${bind(key, 'String')})`];
  if (plan.filter) where.push(filterSql(plan.filter, bind, fieldReader(bind, false)));
  return {
    sql: `SELECT count() AS n FROM ${qualified(database, SERIES_TABLE)} WHERE ${where.join(' AND ')}`,
    params,
  };
}

/**
 * A VQL LIKE pattern as a ClickHouse LIKE pattern that matches the same strings. ClickHouse's LIKE
 * is case-sensitive and matches `_` against one code point, as VQL's, but treats a backslash before
 * an ordinary character (or at the end) in ways that changed between versions: every literal
 * `%`, `_` and `\` is escaped, so the pattern means one thing on any version.
 */
export function likeToClickHouse(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '\\' && i + 1 < pattern.length && '%_\\'.includes(pattern[i + 1] as string)) {
      out += `\\${pattern[++i] as string}`;
    } else if (c === '%' || c === '_') out += c;
    else if (c === '\\') out += '\\\\';
    else out += c;
  }
  return out;
}

/**
 * ORDER BY as SQLite runs it: NULL below every value (first ascending, last descending), ties
 * broken on the group keys, so that LIMIT cuts the same rows as on the other store.
 */
function orderSql(orderBy: readonly SortKey[], plan: LogicalPlan): string {
  const term = (id: string, direction: 'asc' | 'desc'): string =>
    direction === 'desc' ? `${id} DESC NULLS LAST` : `${id} ASC NULLS FIRST`;
  const parts = orderBy.map((o) => term(o.source.id, o.direction));
  for (const k of plan.groupKeys) {
    if (!orderBy.some((o) => o.source.id === k.id)) parts.push(term(k.id, 'asc'));
  }
  return parts.join(', ');
}
