import { AGGREGATIONS, MINUTE_MS, type Aggregation } from '../core/index.js';
import type { CallExpr, QueryAst, ValueExpr } from './ast.js';
import type { GroupKey } from './plan.js';
import { durationOf } from './time-value.js';
import { VqlError } from './vql-error.js';
import { visitPredicates } from './where-analysis.js';

/** The function whitelist: the aggregates of core, time_bucket and now. */
const FUNCTIONS: readonly string[] = [...AGGREGATIONS, 'time_bucket', 'now'];

/** The function whitelist, checked over the whole query before anything else looks at a call. */
export function refuseUnknownFunctions(ast: QueryAst): void {
  const visit = (expr: ValueExpr): void => {
    if (expr.kind === 'call') {
      if (!FUNCTIONS.includes(expr.name)) {
        throw new VqlError(
          'VTG_VQL_UNKNOWN_FUNCTION',
          `Unknown function '${expr.name}': VQL has ${FUNCTIONS.join(', ')}`,
          expr.pos,
        );
      }
      expr.args.forEach(visit);
    } else if (expr.kind === 'arith') {
      visit(expr.first);
      for (const r of expr.rest) visit(r.term);
    }
  };
  ast.select.forEach((s) => visit(s.expr));
  if (ast.where) {
    visitPredicates(ast.where, (p) => {
      if (p.kind === 'compare') [p.left, p.right].forEach(visit);
      else if (p.kind === 'in') [p.subject, ...p.values].forEach(visit);
      else if (p.kind === 'like') [p.subject, p.pattern].forEach(visit);
      else [p.subject, p.low, p.high].forEach(visit);
    });
  }
  ast.groupBy.forEach(visit);
  ast.orderBy.forEach((o) => visit(o.expr));
}

/** The aggregate a call names, after checking that it aggregates value. */
export function aggregateOf(call: CallExpr): Aggregation {
  const fn = call.name as Aggregation;
  const [arg, extra] = call.args;
  if (extra !== undefined) {
    throw new VqlError('VTG_VQL_INVALID_ARGUMENT', `${fn}() takes one argument, value`, extra.pos);
  }
  const ok =
    (arg?.kind === 'column' && arg.name === 'value' && arg.tagKey === undefined) ||
    (fn === 'count' && arg?.kind === 'star');
  if (!ok) {
    throw new VqlError(
      'VTG_VQL_INVALID_ARGUMENT',
      `${fn}() aggregates value: write ${fn}(value)${fn === 'count' ? ' or count(*)' : ''}`,
      arg?.pos ?? call.pos,
    );
  }
  return fn;
}

/** time_bucket(step[, timestamp]): the step must be whole minutes, the storage resolution. */
export function timeBucketOf(call: CallExpr): GroupKey {
  const [step, column, extra] = call.args;
  if (step === undefined) {
    throw new VqlError(
      'VTG_VQL_INVALID_ARGUMENT',
      'time_bucket takes a step, e.g. time_bucket(5m)',
      call.pos,
    );
  }
  if (extra !== undefined) {
    throw new VqlError(
      'VTG_VQL_INVALID_ARGUMENT',
      'time_bucket takes a step and optionally timestamp',
      extra.pos,
    );
  }
  if (column !== undefined && !(column.kind === 'column' && column.name === 'timestamp' && !column.tagKey)) {
    throw new VqlError(
      'VTG_VQL_INVALID_ARGUMENT',
      'The second argument of time_bucket is timestamp',
      column.pos,
    );
  }
  const stepMs = durationOf(step, 'The step of time_bucket');
  if (stepMs <= 0 || stepMs % MINUTE_MS !== 0) {
    throw new VqlError(
      'VTG_VQL_INVALID_ARGUMENT',
      'The step of time_bucket is a whole number of minutes, e.g. 1m, 5m, 1h or 1d (storage keeps minute buckets)',
      step.pos,
    );
  }
  return { kind: 'time_bucket', stepMs };
}
