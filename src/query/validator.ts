import { AGGREGATIONS, formatDuration, isAggregation, type Aggregation } from '../core/index.js';
import type { CallExpr, QueryAst, ValueExpr } from './ast.js';
import { TABLE_NAME, columnName, isColumnName, resolveColumn } from './columns.js';
import type {
  ColumnSource,
  GroupKey,
  OutputColumn,
  PlanAggregate,
  PlanGroupKey,
  SortKey,
  TimeRange,
  ValidatedQuery,
} from './plan.js';
import { aggregateOf, refuseUnknownFunctions, timeBucketOf } from './functions.js';
import { VqlError, type Position } from './vql-error.js';
import { analyzeWhere } from './where-analysis.js';

export interface VqlLimits {
  /** Epoch ms that now() means. */
  readonly now: number;
  readonly maxConditions: number;
  readonly maxInValues: number;
  readonly maxColumns: number;
  readonly defaultLimit: number;
  readonly maxLimit: number;
  /** The range read when WHERE sets no lower bound on timestamp. */
  readonly defaultRangeMs: number;
  /** Most time buckets a query may span (range / step). */
  readonly maxBuckets: number;
}

export const DEFAULT_VQL_LIMITS: Omit<VqlLimits, 'now'> = {
  maxConditions: 10,
  maxInValues: 100,
  maxColumns: 32,
  defaultLimit: 1_000,
  maxLimit: 10_000,
  defaultRangeMs: 3_600_000,
  maxBuckets: 10_000,
};

/** Checks names, types and limits, and resolves the query into group keys, aggregates, filter and range. */
export function validateVql(ast: QueryAst, limits: Partial<VqlLimits> = {}): ValidatedQuery {
  const lim: VqlLimits = { ...DEFAULT_VQL_LIMITS, now: Date.now(), ...limits };
  if (ast.from.name.toLowerCase() !== TABLE_NAME) {
    throw new VqlError(
      'VTG_VQL_UNKNOWN_TABLE',
      `Unknown table '${ast.from.name}': VQL reads the one table ${TABLE_NAME}`,
      ast.from.pos,
    );
  }
  if (ast.select.length > lim.maxColumns) {
    const extra = ast.select[lim.maxColumns] as (typeof ast.select)[number];
    throw new VqlError('VTG_VQL_TOO_COMPLEX', `SELECT lists at most ${lim.maxColumns} columns`, extra.pos);
  }

  refuseUnknownFunctions(ast);
  const where = ast.where ? analyzeWhere(ast.where, lim) : undefined;
  const notices = [...(where?.notices ?? [])];

  const keys = new Keyed<GroupKey>('k');
  for (const expr of ast.groupBy) {
    const key = groupKeyOf(expr, ast, 'GROUP BY');
    if (
      key.kind === 'time_bucket' &&
      keys.items.some((k) => k.value.kind === 'time_bucket' && !same(k.value, key))
    ) {
      throw new VqlError('VTG_VQL_INVALID_ARGUMENT', 'GROUP BY holds one time_bucket', expr.pos);
    }
    keys.add(key);
  }
  const aggregates = new Keyed<Aggregation>('v');

  const output: OutputColumn[] = [];
  const names = new Set<string>();
  for (const item of ast.select) {
    const { source, name } = selectSource(item.expr, keys, aggregates);
    const outName = item.alias?.name ?? name;
    if (names.has(outName.toLowerCase())) {
      throw new VqlError(
        'VTG_VQL_DUPLICATE_COLUMN',
        `Two columns are named '${outName}': give one a different alias with AS`,
        item.alias?.pos ?? item.pos,
      );
    }
    names.add(outName.toLowerCase());
    output.push({ name: outName, source });
  }

  const orderBy: SortKey[] = ast.orderBy.map((o) => ({
    source: orderSource(o.expr, ast, output, keys, aggregates),
    direction: o.direction,
  }));
  if (orderBy.length === 0) {
    for (const k of keys.items) orderBy.push({ source: { kind: 'key', id: k.id }, direction: 'asc' });
  }

  let limit = lim.defaultLimit;
  if (ast.limit) {
    if (ast.limit.value < 1 || ast.limit.value > lim.maxLimit) {
      throw new VqlError(
        'VTG_VQL_INVALID_LIMIT',
        `LIMIT is between 1 and ${lim.maxLimit} rows; narrow the query or page by time instead`,
        ast.limit.pos,
      );
    }
    limit = ast.limit.value;
  }

  const bucket = keys.items.find((k) => k.value.kind === 'time_bucket')?.value;
  const stepMs = bucket?.kind === 'time_bucket' ? bucket.stepMs : undefined;
  const timeRange = resolveRange(where?.time, lim, notices, ast.where?.pos ?? ast.from.pos);
  if (stepMs !== undefined) {
    const buckets = Math.ceil((timeRange.to - timeRange.from) / stepMs);
    if (buckets > lim.maxBuckets) {
      const at = ast.groupBy.find((g) => g.kind === 'call') ?? ast.from;
      throw new VqlError(
        'VTG_VQL_INVALID_TIME_RANGE',
        `The range spans ${buckets} buckets of ${formatDuration(stepMs)}; at most ${lim.maxBuckets}: use a larger time_bucket step or a shorter range`,
        at.pos,
      );
    }
  }

  return {
    output,
    groupKeys: keys.items.map((k): PlanGroupKey => ({ id: k.id, key: k.value })),
    aggregates: aggregates.items.map((a): PlanAggregate => ({ id: a.id, fn: a.value })),
    filter: where?.filter,
    timeRange,
    stepMs,
    orderBy,
    limit,
    notices,
  };
}

function resolveRange(
  time: { set: ReadonlyArray<readonly [number, number]>; pos: Position } | undefined,
  lim: VqlLimits,
  notices: string[],
  pos: Position,
): TimeRange {
  let from = Number.NEGATIVE_INFINITY;
  let to = Number.POSITIVE_INFINITY;
  if (time) {
    // Times before 1970 hold no data: `NOT BETWEEN 0 AND t` leaves only what follows t.
    const set = time.set.filter(([, end]) => end > 0);
    const [first, second] = set;
    if (first === undefined) {
      throw new VqlError(
        'VTG_VQL_INVALID_TIME_RANGE',
        'The conditions on timestamp select no time at all',
        time.pos,
      );
    }
    if (second !== undefined) {
      throw new VqlError(
        'VTG_VQL_INVALID_TIME_RANGE',
        `The conditions on timestamp select ${set.length} separate ranges; a query reads one`,
        time.pos,
      );
    }
    [from, to] = first;
  }
  const toDefaulted = to === Number.POSITIVE_INFINITY;
  if (toDefaulted) to = lim.now;
  const fromDefaulted = from === Number.NEGATIVE_INFINITY;
  if (fromDefaulted) {
    from = to - lim.defaultRangeMs;
    notices.push(
      `No lower bound on timestamp: the query reads the ${formatDuration(lim.defaultRangeMs)} before ${
        toDefaulted ? 'now' : 'its upper bound'
      } (add e.g. timestamp > now() - 6h)`,
    );
  }
  if (from >= to) {
    throw new VqlError(
      'VTG_VQL_INVALID_TIME_RANGE',
      `The time range is empty: it starts at ${new Date(from).toISOString()} and ends at ${new Date(to).toISOString()}` +
        (toDefaulted ? ' (now)' : ''),
      time?.pos ?? pos,
    );
  }
  return { from, to, fromDefaulted, toDefaulted };
}

/** Items with ids in order of first use, each value once. */
class Keyed<T> {
  readonly items: { id: string; value: T }[] = [];
  constructor(private readonly prefix: string) {}

  find(value: T): string | undefined {
    return this.items.find((i) => same(i.value, value))?.id;
  }

  add(value: T): string {
    const found = this.find(value);
    if (found !== undefined) return found;
    const id = `${this.prefix}${this.items.length}`;
    this.items.push({ id, value });
    return id;
  }
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function selectSource(
  expr: ValueExpr,
  keys: Keyed<GroupKey>,
  aggregates: Keyed<Aggregation>,
): { source: ColumnSource; name: string } {
  if (expr.kind === 'star') {
    throw new VqlError(
      'VTG_VQL_SELECT_STAR',
      'SELECT * is not supported: Vantage stores pre-aggregated data, so name the columns and aggregates, e.g. SELECT service_name, avg(value)',
      expr.pos,
    );
  }
  if (expr.kind === 'call' && isAggregation(expr.name)) {
    const fn = aggregateOf(expr);
    return { source: { kind: 'aggregate', id: aggregates.add(fn) }, name: aggregateName(fn, expr) };
  }
  const key = groupKeyOf(expr, undefined, 'SELECT');
  const id = keys.find(key);
  const name = key.kind === 'time_bucket' ? 'time_bucket' : columnName(key);
  if (id === undefined) {
    const written = key.kind === 'time_bucket' ? `time_bucket(${formatDuration(key.stepMs)})` : name;
    throw new VqlError(
      'VTG_VQL_NOT_GROUPED',
      `${written} is selected but not grouped: add it to GROUP BY, or select an aggregate of value instead`,
      expr.pos,
    );
  }
  return { source: { kind: 'key', id }, name };
}

function aggregateName(fn: Aggregation, call: CallExpr): string {
  return fn === 'count' && call.args[0]?.kind === 'star' ? 'count(*)' : `${fn}(value)`;
}

/** The group key an expression names: a column other than value and timestamp, or time_bucket(step). */
function groupKeyOf(expr: ValueExpr, ast: QueryAst | undefined, clause: string): GroupKey {
  if (expr.kind === 'column') {
    // GROUP BY may name a SELECT alias.
    const aliased =
      ast && expr.tagKey === undefined && !isColumnName(expr.name)
        ? ast.select.find((s) => s.alias?.name.toLowerCase() === expr.name)
        : undefined;
    if (aliased) return groupKeyOf(aliased.expr, undefined, clause);
    const meaning = resolveColumn(expr);
    if (meaning.kind === 'value') {
      throw new VqlError(
        'VTG_VQL_UNAGGREGATED_VALUE',
        clause === 'SELECT'
          ? `value is stored pre-aggregated: select an aggregate of it, one of ${AGGREGATIONS.join(', ')} (e.g. avg(value))`
          : 'Rows cannot be grouped by value: group by service_name, metric_name, type, tags.<key> or time_bucket(...)',
        expr.pos,
      );
    }
    if (meaning.kind === 'timestamp') {
      throw new VqlError(
        'VTG_VQL_NOT_GROUPED',
        `timestamp cannot be used in ${clause}: data is in time buckets, so use time_bucket(5m) instead`,
        expr.pos,
      );
    }
    return meaning;
  }
  if (expr.kind === 'call') {
    if (expr.name === 'time_bucket') return timeBucketOf(expr);
    if (isAggregation(expr.name)) {
      throw new VqlError(
        'VTG_VQL_INVALID_ARGUMENT',
        `Aggregates cannot be used in ${clause}: group by service_name, metric_name, type, tags.<key> or time_bucket(...)`,
        expr.pos,
      );
    }
  }
  throw new VqlError(
    'VTG_VQL_INVALID_ARGUMENT',
    `${clause} takes columns (service_name, metric_name, type, tags.<key>), time_bucket(...)${
      clause === 'SELECT' ? ' and aggregates of value' : ''
    }`,
    expr.pos,
  );
}

function orderSource(
  expr: ValueExpr,
  ast: QueryAst,
  output: readonly OutputColumn[],
  keys: Keyed<GroupKey>,
  aggregates: Keyed<Aggregation>,
): ColumnSource {
  if (expr.kind === 'number') {
    const col = Number.isInteger(expr.value) ? output[expr.value - 1] : undefined;
    if (!col) {
      throw new VqlError(
        'VTG_VQL_INVALID_ORDER_BY',
        `ORDER BY ${expr.text} names no column: positions run from 1 to ${output.length}`,
        expr.pos,
      );
    }
    return col.source;
  }
  if (expr.kind === 'column' && expr.tagKey === undefined) {
    const byAlias = ast.select.findIndex((s) => s.alias?.name.toLowerCase() === expr.name);
    const col = output[byAlias];
    if (col) return col.source;
  }
  if (expr.kind === 'call' && isAggregation(expr.name)) {
    return { kind: 'aggregate', id: aggregates.add(aggregateOf(expr)) };
  }
  const key = groupKeyOf(expr, ast, 'ORDER BY');
  const id = keys.find(key);
  if (id === undefined) {
    throw new VqlError(
      'VTG_VQL_INVALID_ORDER_BY',
      'ORDER BY takes a grouped column, an aggregate, a column alias or a position (1, 2, ...)',
      expr.pos,
    );
  }
  return { kind: 'key', id };
}
