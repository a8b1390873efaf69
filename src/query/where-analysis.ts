import type { ColumnRef, CompareOp, Condition, Predicate, ValueExpr } from './ast.js';
import { columnName, resolveColumn, type ColumnMeaning } from './columns.js';
import type { Filter, FilterField } from './plan.js';
import { ALL_TIME, complement, intersect, timeOf, union, type TimeSet } from './time-value.js';
import { VqlError, type Position } from './vql-error.js';

export interface WhereLimits {
  readonly maxConditions: number;
  readonly maxInValues: number;
  readonly now: number;
}

export interface WhereAnalysis {
  readonly filter: Filter | undefined;
  /** The times the conditions on timestamp allow; undefined when there are none. */
  readonly time: { readonly set: TimeSet; readonly pos: Position } | undefined;
  readonly notices: readonly string[];
}

const FLIPPED: Readonly<Record<CompareOp, CompareOp>> = {
  '=': '=',
  '!=': '!=',
  '<': '>',
  '<=': '>=',
  '>': '<',
  '>=': '<=',
};

/**
 * Splits WHERE into the filter on series and the time range. The time conditions must describe one
 * interval and may not share an OR or NOT with other conditions: storage reads one contiguous range.
 */
export function analyzeWhere(where: Condition, limits: WhereLimits): WhereAnalysis {
  countPredicates(where, limits.maxConditions, { n: 0 });
  const notices: string[] = [];
  const ctx = { limits, notices };
  const { filter, time } = split(where, ctx);
  let firstTime: Position | undefined;
  visitPredicates(where, (p) => {
    if (firstTime === undefined && isTimePredicate(p)) firstTime = p.pos;
  });
  return { filter, time: time && firstTime ? { set: time, pos: firstTime } : undefined, notices };
}

interface Ctx {
  readonly limits: WhereLimits;
  readonly notices: string[];
}

function split(node: Condition, ctx: Ctx): { filter: Filter | undefined; time: TimeSet | undefined } {
  if (node.kind === 'and') {
    const filters: Filter[] = [];
    let time: TimeSet | undefined;
    for (const operand of node.operands) {
      const part = split(operand, ctx);
      if (part.filter) filters.push(part.filter);
      if (part.time) time = time ? intersect(time, part.time) : part.time;
    }
    const filter: Filter | undefined =
      filters.length === 0
        ? undefined
        : filters.length === 1
          ? filters[0]
          : { kind: 'and', operands: filters };
    return { filter, time };
  }
  const hasTime = someTime(node, true);
  if (!hasTime) return { filter: toFilter(node, ctx), time: undefined };
  if (someTime(node, false)) {
    throw new VqlError(
      'VTG_VQL_INVALID_TIME_RANGE',
      `A condition on timestamp cannot share ${node.kind === 'not' ? 'a NOT' : 'an OR'} with other conditions: ` +
        'the time range must be one interval. Join the timestamp conditions to the rest with AND',
      node.pos,
    );
  }
  return { filter: undefined, time: timeSet(node, ctx) };
}

/** Whether some predicate below is (wantTime) or is not (!wantTime) about timestamp. */
function someTime(node: Condition, wantTime: boolean): boolean {
  let found = false;
  visitPredicates(node, (p) => {
    if (isTimePredicate(p) === wantTime) found = true;
  });
  return found;
}

function timeSet(node: Condition, ctx: Ctx): TimeSet {
  switch (node.kind) {
    case 'and':
      return node.operands.map((o) => timeSet(o, ctx)).reduce(intersect, ALL_TIME);
    case 'or':
      return node.operands.map((o) => timeSet(o, ctx)).reduce(union, [] as TimeSet);
    case 'not':
      return complement(timeSet(node.operand, ctx));
    default:
      return timePredicate(node, ctx);
  }
}

function timePredicate(p: Predicate, ctx: Ctx): TimeSet {
  const at = (expr: ValueExpr): number => {
    const t = timeOf(expr, ctx.limits.now);
    if (expr.kind === 'number' && t > 0 && t < 1e11) {
      ctx.notices.push(
        `timestamp ${expr.text} is read as epoch milliseconds (${new Date(t).toISOString()}); for seconds, multiply by 1000`,
      );
    }
    return t;
  };
  const inf = Number.POSITIVE_INFINITY;
  switch (p.kind) {
    case 'compare': {
      const { op, value } = orient(p);
      if (value.kind === 'column') {
        throw new VqlError(
          'VTG_VQL_INVALID_CONDITION',
          'Compare timestamp with a time, not a column',
          value.pos,
        );
      }
      const t = at(value);
      switch (op) {
        case '>':
          return [[t + 1, inf]];
        case '>=':
          return [[t, inf]];
        case '<':
          return [[-inf, t]];
        case '<=':
          return [[-inf, t + 1]];
        default:
          throw new VqlError(
            'VTG_VQL_INVALID_CONDITION',
            `timestamp is compared with >, >=, <, <= or BETWEEN, not ${op}: data is stored in time buckets`,
            p.opPos,
          );
      }
    }
    case 'between': {
      const range: TimeSet = [[at(p.low), at(p.high) + 1]];
      const set = range[0] && range[0][0] < range[0][1] ? range : [];
      return p.negated ? complement(set) : set;
    }
    default:
      throw new VqlError(
        'VTG_VQL_INVALID_CONDITION',
        `timestamp is compared with >, >=, <, <= or BETWEEN, not ${p.kind === 'in' ? 'IN' : 'LIKE'}`,
        p.pos,
      );
  }
}

function toFilter(node: Condition, ctx: Ctx): Filter {
  switch (node.kind) {
    case 'and':
    case 'or':
      return { kind: node.kind, operands: node.operands.map((o) => toFilter(o, ctx)) };
    case 'not':
      return { kind: 'not', operand: toFilter(node.operand, ctx) };
    case 'compare': {
      const { column, op, value } = orient(node);
      const field = filterField(column);
      if (op !== '=' && op !== '!=') {
        throw new VqlError(
          'VTG_VQL_INVALID_CONDITION',
          `${columnName(field)} is text: compare it with =, !=, <>, IN, NOT IN, LIKE or NOT LIKE, not ${op}`,
          node.opPos,
        );
      }
      return { kind: op === '=' ? 'eq' : 'ne', field, value: textValue(value, field) };
    }
    case 'in': {
      const field = filterField(subjectColumn(node));
      if (node.values.length > ctx.limits.maxInValues) {
        throw new VqlError(
          'VTG_VQL_TOO_COMPLEX',
          `An IN list holds at most ${ctx.limits.maxInValues} values; this one holds ${node.values.length}`,
          node.values[ctx.limits.maxInValues]?.pos ?? node.pos,
        );
      }
      return {
        kind: node.negated ? 'not_in' : 'in',
        field,
        values: node.values.map((v) => textValue(v, field)),
      };
    }
    case 'like': {
      const field = filterField(subjectColumn(node));
      if (node.pattern.kind !== 'string') {
        throw new VqlError(
          'VTG_VQL_INVALID_CONDITION',
          "LIKE takes a pattern in single quotes, e.g. LIKE 'checkout-%'",
          node.pattern.pos,
        );
      }
      return { kind: node.negated ? 'not_like' : 'like', field, pattern: node.pattern.value };
    }
    case 'between':
      throw new VqlError(
        'VTG_VQL_INVALID_CONDITION',
        `BETWEEN applies to timestamp only; ${describeSubject(node.subject)} is text`,
        node.pos,
      );
  }
}

/** The column and value of a comparison, with the column on the left (`5 < x` becomes `x > 5`). */
function orient(p: Extract<Predicate, { kind: 'compare' }>): {
  column: ColumnRef;
  op: CompareOp;
  value: ValueExpr;
} {
  if (p.left.kind === 'column') {
    if (p.right.kind === 'column') {
      throw new VqlError(
        'VTG_VQL_INVALID_CONDITION',
        'Compare a column with a value, not with another column',
        p.right.pos,
      );
    }
    return { column: p.left, op: p.op, value: p.right };
  }
  if (p.right.kind === 'column') return { column: p.right, op: FLIPPED[p.op], value: p.left };
  throw new VqlError(
    'VTG_VQL_INVALID_CONDITION',
    'A condition compares a column (service_name, metric_name, type, timestamp, tags.<key>) with a value; this one has no column',
    p.pos,
  );
}

function subjectColumn(p: Exclude<Predicate, { kind: 'compare' }>): ColumnRef {
  if (p.subject.kind !== 'column') {
    throw new VqlError(
      'VTG_VQL_INVALID_CONDITION',
      `${p.kind.toUpperCase()} applies to a column: service_name, metric_name, type or tags.<key>`,
      p.subject.pos,
    );
  }
  return p.subject;
}

function filterField(col: ColumnRef): FilterField {
  const meaning: ColumnMeaning = resolveColumn(col);
  if (meaning.kind === 'value') {
    throw new VqlError(
      'VTG_VQL_UNAGGREGATED_VALUE',
      'WHERE cannot test value: Vantage stores pre-aggregated buckets, not samples. Select aggregates such as max(value) instead',
      col.pos,
    );
  }
  if (meaning.kind === 'timestamp') {
    // Only reached when a timestamp predicate is misplaced, which split() reports first.
    throw new VqlError('VTG_VQL_INVALID_CONDITION', 'timestamp cannot be used here', col.pos);
  }
  return meaning;
}

const METRIC_TYPES = ['gauge', 'counter'];

function textValue(expr: ValueExpr, field: FilterField): string {
  const name = columnName(field);
  if (expr.kind !== 'string') {
    const hint =
      expr.kind === 'number'
        ? `: write ${name} = '${expr.text}'`
        : expr.kind === 'column'
          ? ', not a column'
          : '';
    throw new VqlError(
      'VTG_VQL_INVALID_CONDITION',
      `${name} is compared with text in single quotes${hint}`,
      expr.pos,
    );
  }
  if (field.kind === 'type' && !METRIC_TYPES.includes(expr.value)) {
    throw new VqlError('VTG_VQL_INVALID_CONDITION', "type is 'gauge' or 'counter'", expr.pos);
  }
  return expr.value;
}

function describeSubject(expr: ValueExpr): string {
  return expr.kind === 'column' ? columnName(resolveColumn(expr)) : 'this value';
}

function isTimeExpr(expr: ValueExpr): boolean {
  return expr.kind === 'column' && expr.name === 'timestamp' && expr.tagKey === undefined;
}

export function isTimePredicate(p: Predicate): boolean {
  return p.kind === 'compare' ? isTimeExpr(p.left) || isTimeExpr(p.right) : isTimeExpr(p.subject);
}

export function visitPredicates(node: Condition, visit: (p: Predicate) => void): void {
  switch (node.kind) {
    case 'and':
    case 'or':
      for (const o of node.operands) visitPredicates(o, visit);
      return;
    case 'not':
      visitPredicates(node.operand, visit);
      return;
    default:
      visit(node);
  }
}

function countPredicates(node: Condition, max: number, seen: { n: number }): void {
  visitPredicates(node, (p) => {
    seen.n++;
    if (seen.n === max + 1) {
      throw new VqlError(
        'VTG_VQL_TOO_COMPLEX',
        `WHERE holds at most ${max} conditions; this is condition ${max + 1}`,
        p.pos,
      );
    }
  });
}
