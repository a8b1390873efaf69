import { parseRfc3339 } from '../core/index.js';
import type { ValueExpr } from './ast.js';
import { VqlError } from './vql-error.js';

/** The latest time VQL accepts (the largest JavaScript date). */
const MAX_TIME_MS = 8.64e15;

const INTERVAL_UNITS: ReadonlyArray<readonly [RegExp, number]> = [
  [/^(ms|msecs?|milliseconds?)$/, 1],
  [/^(s|secs?|seconds?)$/, 1_000],
  [/^(m|mins?|minutes?)$/, 60_000],
  [/^(h|hours?)$/, 3_600_000],
  [/^(d|days?)$/, 86_400_000],
  [/^(w|weeks?)$/, 604_800_000],
];

/** `'1 hour'`, `'90 seconds'`, `'5m'` to milliseconds; undefined when it is none of those. */
export function parseIntervalText(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*$/i.exec(text);
  if (!m) return undefined;
  const unit = (m[2] as string).toLowerCase();
  const size = INTERVAL_UNITS.find(([re]) => re.test(unit))?.[1];
  return size === undefined ? undefined : Math.round(Number(m[1]) * size);
}

/** A duration (`5m`, `INTERVAL '5 minutes'`) in ms; throws a VqlError naming `what` otherwise. */
export function durationOf(expr: ValueExpr, what: string): number {
  if (expr.kind === 'duration') return expr.ms;
  if (expr.kind === 'interval') {
    const ms = parseIntervalText(expr.text);
    if (ms === undefined) {
      throw new VqlError(
        'VTG_VQL_INVALID_TIME',
        `INTERVAL '${expr.text}' is not a duration: write e.g. INTERVAL '1 hour' or '15 minutes'`,
        expr.pos,
      );
    }
    return ms;
  }
  throw new VqlError(
    'VTG_VQL_INVALID_TIME',
    `${what} must be a duration with a unit, e.g. 5m, 1h or INTERVAL '1 hour'`,
    expr.pos,
  );
}

/**
 * The epoch ms of a time value: epoch ms, an RFC 3339 string, now(), or one of those plus or minus
 * durations (`now() - 1h`, `'2026-11-27T10:00:00Z' + 30m`).
 */
export function timeOf(expr: ValueExpr, now: number): number {
  if (expr.kind === 'arith') {
    let t = timeOf(expr.first, now);
    for (const { op, term } of expr.rest) {
      const ms = durationOf(term, `What is added to or subtracted from a time`);
      t = op === '+' ? t + ms : t - ms;
    }
    return checkRange(t, expr);
  }
  switch (expr.kind) {
    case 'number':
      if (!Number.isInteger(expr.value)) {
        throw new VqlError(
          'VTG_VQL_INVALID_TIME',
          `A time in epoch milliseconds is a whole number`,
          expr.pos,
        );
      }
      return checkRange(expr.value, expr);
    case 'string': {
      const ms = parseRfc3339(expr.value);
      if (ms === undefined) {
        throw new VqlError(
          'VTG_VQL_INVALID_TIME',
          `'${expr.value}' is not an RFC 3339 time: write e.g. '2026-11-27T10:00:00Z', epoch ms, or now() - 1h`,
          expr.pos,
        );
      }
      return checkRange(ms, expr);
    }
    case 'call':
      if (expr.name === 'now') {
        if (expr.args.length > 0) {
          throw new VqlError('VTG_VQL_INVALID_ARGUMENT', 'now() takes no arguments', expr.pos);
        }
        return now;
      }
      break;
    case 'duration':
    case 'interval':
      throw new VqlError(
        'VTG_VQL_INVALID_TIME',
        'A duration is not a point in time: write now() - 1h for an hour ago',
        expr.pos,
      );
    default:
      break;
  }
  throw new VqlError(
    'VTG_VQL_INVALID_TIME',
    "Compare timestamp with a time: epoch ms, an RFC 3339 string such as '2026-11-27T10:00:00Z', or now() - 1h",
    expr.pos,
  );
}

function checkRange(t: number, expr: ValueExpr): number {
  if (t < 0 || t > MAX_TIME_MS) {
    throw new VqlError('VTG_VQL_INVALID_TIME', 'The time is outside the years 1970 to 275760', expr.pos);
  }
  return t;
}

/** A set of times as sorted, disjoint, non-empty half-open intervals [from, to). */
export type TimeSet = ReadonlyArray<readonly [number, number]>;

export const ALL_TIME: TimeSet = [[Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY]];

export function intersect(a: TimeSet, b: TimeSet): TimeSet {
  const out: [number, number][] = [];
  for (const [af, at] of a) {
    for (const [bf, bt] of b) {
      const f = Math.max(af, bf);
      const t = Math.min(at, bt);
      if (f < t) out.push([f, t]);
    }
  }
  return out.sort((x, y) => x[0] - y[0]);
}

export function union(a: TimeSet, b: TimeSet): TimeSet {
  const all = [...a, ...b].sort((x, y) => x[0] - y[0]);
  const out: [number, number][] = [];
  for (const [f, t] of all) {
    const last = out[out.length - 1];
    if (last !== undefined && f <= last[1]) last[1] = Math.max(last[1], t);
    else out.push([f, t]);
  }
  return out;
}

export function complement(a: TimeSet): TimeSet {
  const out: [number, number][] = [];
  let from = Number.NEGATIVE_INFINITY;
  for (const [f, t] of a) {
    if (from < f) out.push([from, f]);
    from = t;
  }
  if (from < Number.POSITIVE_INFINITY) out.push([from, Number.POSITIVE_INFINITY]);
  return out;
}
