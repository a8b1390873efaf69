import { describe, expect, test } from 'vitest';
import { parseVql } from './parser.js';
import { planQuery } from './planner.js';
import { validateVql, type VqlLimits } from './validator.js';
import { VqlError } from './vql-error.js';
import type { ValidatedQuery } from './plan.js';

const NOW = Date.UTC(2026, 10, 27, 12, 34, 56);
const HOUR = 3_600_000;
const T10 = Date.UTC(2026, 10, 27, 10);

function validate(text: string, limits: Partial<VqlLimits> = {}): ValidatedQuery {
  return validateVql(parseVql(text), { now: NOW, ...limits });
}

function refusal(text: string): VqlError {
  try {
    validate(text);
  } catch (err) {
    if (err instanceof VqlError) return err;
    throw err;
  }
  throw new Error(`expected a VqlError for ${text}`);
}

const q = (where: string): string => `SELECT count(*) FROM metrics WHERE ${where}`;
const range = (where: string): [number, number] => {
  const r = validate(q(where)).timeRange;
  return [r.from, r.to];
};

describe('validateVql: select, group and order', () => {
  test('resolves the issue query into keys, aggregates, filter and order', () => {
    const v = validate(
      "SELECT service_name, avg(value), p99(value) FROM metrics WHERE metric_name = 'http_request_duration_ms' AND timestamp > now() - 1h AND tags.route = '/pay' GROUP BY service_name, time_bucket(5m) ORDER BY service_name LIMIT 100",
    );
    expect(v.groupKeys).toEqual([
      { id: 'k0', key: { kind: 'service' } },
      { id: 'k1', key: { kind: 'time_bucket', stepMs: 300_000 } },
    ]);
    expect(v.aggregates).toEqual([
      { id: 'v0', fn: 'avg' },
      { id: 'v1', fn: 'p99' },
    ]);
    expect(v.output.map((o) => o.name)).toEqual(['service_name', 'avg(value)', 'p99(value)']);
    expect(v.filter).toEqual({
      kind: 'and',
      operands: [
        { kind: 'eq', field: { kind: 'metric' }, value: 'http_request_duration_ms' },
        { kind: 'eq', field: { kind: 'tag', key: 'route' }, value: '/pay' },
      ],
    });
    expect(v.timeRange).toEqual({ from: NOW - HOUR + 1, to: NOW, fromDefaulted: false, toDefaulted: true });
    expect(v.stepMs).toBe(300_000);
    expect(v.orderBy).toEqual([{ source: { kind: 'key', id: 'k0' }, direction: 'asc' }]);
    expect(v.limit).toBe(100);
    expect(v.notices).toEqual([]);
  });

  test('names columns by alias, shares one aggregate between uses, orders by alias, position and aggregate', () => {
    const v = validate(
      'SELECT tags.route AS r, max(value) AS worst, MAX(value) AS again FROM metrics GROUP BY tags.route ORDER BY worst DESC, 1, min(value)',
    );
    expect(v.output).toEqual([
      { name: 'r', source: { kind: 'key', id: 'k0' } },
      { name: 'worst', source: { kind: 'aggregate', id: 'v0' } },
      { name: 'again', source: { kind: 'aggregate', id: 'v0' } },
    ]);
    // min(value) is computed for the order only.
    expect(v.aggregates.map((a) => a.fn)).toEqual(['max', 'min']);
    expect(v.orderBy).toEqual([
      { source: { kind: 'aggregate', id: 'v0' }, direction: 'desc' },
      { source: { kind: 'key', id: 'k0' }, direction: 'asc' },
      { source: { kind: 'aggregate', id: 'v1' }, direction: 'asc' },
    ]);
  });

  test('GROUP BY may name a select alias, and orders by the group keys by default', () => {
    const v = validate('SELECT time_bucket(1h) AS hour, count(*) FROM metrics GROUP BY hour');
    expect(v.groupKeys).toEqual([{ id: 'k0', key: { kind: 'time_bucket', stepMs: HOUR } }]);
    expect(v.output[0]).toEqual({ name: 'hour', source: { kind: 'key', id: 'k0' } });
    expect(v.orderBy).toEqual([{ source: { kind: 'key', id: 'k0' }, direction: 'asc' }]);
  });

  test('tags in brackets keep their key as written; the default limit applies', () => {
    const v = validate("SELECT tags['http.route'], count(value) FROM metrics GROUP BY tags['http.route']");
    expect(v.groupKeys[0]?.key).toEqual({ kind: 'tag', key: 'http.route' });
    expect(v.output.map((o) => o.name)).toEqual(["tags['http.route']", 'count(value)']);
    expect(v.limit).toBe(1000);
  });

  test.each([
    ['SELECT * FROM metrics', 'VTG_VQL_SELECT_STAR', 8, 'SELECT * is not supported'],
    ['SELECT value FROM metrics', 'VTG_VQL_UNAGGREGATED_VALUE', 8, 'value is stored pre-aggregated'],
    ['SELECT timestamp, count(*) FROM metrics', 'VTG_VQL_NOT_GROUPED', 8, 'use time_bucket(5m)'],
    ['SELECT service_name, count(*) FROM metrics', 'VTG_VQL_NOT_GROUPED', 8, 'add it to GROUP BY'],
    [
      'SELECT time_bucket(5m), count(*) FROM metrics GROUP BY time_bucket(1m)',
      'VTG_VQL_NOT_GROUPED',
      8,
      'time_bucket(5m) is selected but not grouped',
    ],
    ['SELECT count(*) FROM sqlite_master', 'VTG_VQL_UNKNOWN_TABLE', 22, "Unknown table 'sqlite_master'"],
    ['SELECT count(*) FROM system.tables', 'VTG_VQL_UNKNOWN_TABLE', 22, "Unknown table 'system.tables'"],
    [
      'SELECT service, count(*) FROM metrics GROUP BY service',
      'VTG_VQL_UNKNOWN_COLUMN',
      48,
      'did you mean service_name?',
    ],
    ['SELECT tags, count(*) FROM metrics GROUP BY tags', 'VTG_VQL_UNKNOWN_COLUMN', 45, 'tags is a map'],
    ["SELECT count(*) FROM metrics GROUP BY tags['a\"b']", 'VTG_VQL_UNKNOWN_COLUMN', 39, 'without quotes'],
    [
      'SELECT load_extension(value) FROM metrics',
      'VTG_VQL_UNKNOWN_FUNCTION',
      8,
      "Unknown function 'load_extension'",
    ],
    ['SELECT char(65) FROM metrics', 'VTG_VQL_UNKNOWN_FUNCTION', 8, "Unknown function 'char'"],
    ['SELECT avg(timestamp) FROM metrics', 'VTG_VQL_INVALID_ARGUMENT', 12, 'write avg(value)'],
    ['SELECT avg(*) FROM metrics', 'VTG_VQL_INVALID_ARGUMENT', 12, 'write avg(value)'],
    ['SELECT count() FROM metrics', 'VTG_VQL_INVALID_ARGUMENT', 8, 'or count(*)'],
    ['SELECT sum(value, 1) FROM metrics', 'VTG_VQL_INVALID_ARGUMENT', 19, 'takes one argument'],
    ['SELECT 1 FROM metrics', 'VTG_VQL_INVALID_ARGUMENT', 8, 'SELECT takes columns'],
    ['SELECT now() FROM metrics', 'VTG_VQL_INVALID_ARGUMENT', 8, 'SELECT takes columns'],
    [
      'SELECT count(*) FROM metrics GROUP BY avg(value)',
      'VTG_VQL_INVALID_ARGUMENT',
      39,
      'Aggregates cannot be used in GROUP BY',
    ],
    [
      'SELECT count(*) FROM metrics GROUP BY value',
      'VTG_VQL_UNAGGREGATED_VALUE',
      39,
      'cannot be grouped by value',
    ],
    [
      'SELECT count(*) FROM metrics GROUP BY time_bucket(30s)',
      'VTG_VQL_INVALID_ARGUMENT',
      51,
      'whole number of minutes',
    ],
    [
      'SELECT count(*) FROM metrics GROUP BY time_bucket(5)',
      'VTG_VQL_INVALID_TIME',
      51,
      'must be a duration with a unit',
    ],
    ['SELECT count(*) FROM metrics GROUP BY time_bucket()', 'VTG_VQL_INVALID_ARGUMENT', 39, 'takes a step'],
    [
      'SELECT count(*) FROM metrics GROUP BY time_bucket(5m, value)',
      'VTG_VQL_INVALID_ARGUMENT',
      55,
      'second argument',
    ],
    [
      'SELECT count(*) FROM metrics GROUP BY time_bucket(5m), time_bucket(1h)',
      'VTG_VQL_INVALID_ARGUMENT',
      56,
      'one time_bucket',
    ],
    [
      'SELECT count(*) AS n, sum(value) AS N FROM metrics',
      'VTG_VQL_DUPLICATE_COLUMN',
      37,
      "Two columns are named 'N'",
    ],
    ['SELECT count(*) FROM metrics ORDER BY 2', 'VTG_VQL_INVALID_ORDER_BY', 39, 'positions run from 1 to 1'],
    [
      'SELECT count(*) FROM metrics ORDER BY service_name',
      'VTG_VQL_INVALID_ORDER_BY',
      39,
      'ORDER BY takes a grouped column',
    ],
    ['SELECT count(*) FROM metrics LIMIT 0', 'VTG_VQL_INVALID_LIMIT', 36, 'between 1 and 10000'],
    ['SELECT count(*) FROM metrics LIMIT 10001', 'VTG_VQL_INVALID_LIMIT', 36, 'between 1 and 10000'],
  ])('refuses %j', (text, code, column, reason) => {
    const err = refusal(text);
    expect(err.code).toBe(code);
    expect(err.reason).toContain(reason);
    expect(err.column).toBe(column);
  });
});

describe('validateVql: WHERE', () => {
  test('builds the filter tree from NOT, OR, IN, LIKE and flipped comparisons', () => {
    const v = validate(
      q(
        "NOT (service_name IN ('a', 'b') OR 'x' != tags.env) AND metric_name NOT LIKE 'tmp\\_%' AND type NOT IN ('counter')",
      ),
    );
    expect(v.filter).toEqual({
      kind: 'and',
      operands: [
        {
          kind: 'not',
          operand: {
            kind: 'or',
            operands: [
              { kind: 'in', field: { kind: 'service' }, values: ['a', 'b'] },
              { kind: 'ne', field: { kind: 'tag', key: 'env' }, value: 'x' },
            ],
          },
        },
        { kind: 'not_like', field: { kind: 'metric' }, pattern: 'tmp\\_%' },
        { kind: 'not_in', field: { kind: 'type' }, values: ['counter'] },
      ],
    });
  });

  test('takes the time range from every form of time literal', () => {
    expect(range("timestamp >= '2026-11-27T10:00:00Z' AND timestamp < '2026-11-27T11:00:00Z'")).toEqual([
      T10,
      T10 + HOUR,
    ]);
    expect(range(`timestamp > ${T10} AND timestamp <= ${T10 + HOUR}`)).toEqual([T10 + 1, T10 + HOUR + 1]);
    expect(range("timestamp BETWEEN '2026-11-27T10:00:00Z' AND '2026-11-27T10:00:00Z' + 30m")).toEqual([
      T10,
      T10 + HOUR / 2 + 1,
    ]);
    expect(range("timestamp > now() - interval '2 hours' AND now() - 1h >= timestamp")).toEqual([
      NOW - 2 * HOUR + 1,
      NOW - HOUR + 1,
    ]);
    expect(range('timestamp >= now() - 1d + 1h')).toEqual([NOW - 23 * HOUR, NOW]);
  });

  test('combines time conditions under OR and NOT when they still make one interval', () => {
    expect(
      range(
        `(timestamp >= ${T10} AND timestamp < ${T10 + 10}) OR (timestamp >= ${T10 + 5} AND timestamp < ${T10 + 20})`,
      ),
    ).toEqual([T10, T10 + 20]);
    expect(range(`NOT timestamp < ${T10} AND timestamp < ${T10 + HOUR}`)).toEqual([T10, T10 + HOUR]);
    expect(range(`timestamp NOT BETWEEN 0 AND ${T10 - 1} AND timestamp < ${T10 + 7}`)).toEqual([
      T10,
      T10 + 7,
    ]);
  });

  test('defaults to the hour before now, or before the upper bound, and says so', () => {
    const open = validate("SELECT count(*) FROM metrics WHERE service_name = 'a'");
    expect(open.timeRange).toEqual({ from: NOW - HOUR, to: NOW, fromDefaulted: true, toDefaulted: true });
    expect(open.notices).toEqual([
      'No lower bound on timestamp: the query reads the 1h before now (add e.g. timestamp > now() - 6h)',
    ]);
    const bounded = validate(q(`timestamp < ${T10}`));
    expect(bounded.timeRange).toMatchObject({
      from: T10 - HOUR,
      to: T10,
      fromDefaulted: true,
      toDefaulted: false,
    });
    expect(bounded.notices[0]).toContain('before its upper bound');
    expect(validate('SELECT count(*) FROM metrics', { defaultRangeMs: 6 * HOUR }).timeRange.from).toBe(
      NOW - 6 * HOUR,
    );
  });

  test('notes a timestamp that looks like seconds', () => {
    expect(validate(q('timestamp > 1234567890')).notices[0]).toContain('read as epoch milliseconds');
  });

  test.each([
    [
      q("timestamp > now() - 1h OR service_name = 'a'"),
      'VTG_VQL_INVALID_TIME_RANGE',
      36,
      'cannot share an OR',
    ],
    [
      q("NOT (timestamp > now() - 1h AND service_name = 'a')"),
      'VTG_VQL_INVALID_TIME_RANGE',
      36,
      'cannot share a NOT',
    ],
    [
      q(`timestamp < ${T10} OR timestamp > ${T10 + HOUR}`),
      'VTG_VQL_INVALID_TIME_RANGE',
      36,
      '2 separate ranges',
    ],
    [
      q(`timestamp > ${T10} AND timestamp < ${T10 - 1}`),
      'VTG_VQL_INVALID_TIME_RANGE',
      36,
      'select no time at all',
    ],
    [q('timestamp > now() + 1h'), 'VTG_VQL_INVALID_TIME_RANGE', 36, 'The time range is empty'],
    [q('timestamp = now()'), 'VTG_VQL_INVALID_CONDITION', 46, 'not ='],
    [q("timestamp IN ('a')"), 'VTG_VQL_INVALID_CONDITION', 36, 'not IN'],
    [q("timestamp > 'yesterday'"), 'VTG_VQL_INVALID_TIME', 48, 'is not an RFC 3339 time'],
    [q("timestamp > '2026-02-30T00:00:00Z'"), 'VTG_VQL_INVALID_TIME', 48, 'is not an RFC 3339 time'],
    [q('timestamp > 1h'), 'VTG_VQL_INVALID_TIME', 48, 'A duration is not a point in time'],
    [q('timestamp > now() - 3600000'), 'VTG_VQL_INVALID_TIME', 56, 'must be a duration with a unit'],
    [q('timestamp > now() - now()'), 'VTG_VQL_INVALID_TIME', 56, 'must be a duration with a unit'],
    [
      q("timestamp > now() - interval 'a while'"),
      'VTG_VQL_INVALID_TIME',
      56,
      "INTERVAL 'a while' is not a duration",
    ],
    [q('timestamp > now(1)'), 'VTG_VQL_INVALID_ARGUMENT', 48, 'now() takes no arguments'],
    [q('timestamp > 1.5'), 'VTG_VQL_INVALID_TIME', 48, 'whole number'],
    [q('timestamp > service_name'), 'VTG_VQL_INVALID_CONDITION', 48, 'not with another column'],
    [q('value > 5'), 'VTG_VQL_UNAGGREGATED_VALUE', 36, 'WHERE cannot test value'],
    [q("'1' = '1'"), 'VTG_VQL_INVALID_CONDITION', 36, 'this one has no column'],
    [q('tags.status = 200'), 'VTG_VQL_INVALID_CONDITION', 50, "write tags.status = '200'"],
    [q("service_name > 'a'"), 'VTG_VQL_INVALID_CONDITION', 49, 'service_name is text'],
    [q("type = 'histogram'"), 'VTG_VQL_INVALID_CONDITION', 43, "type is 'gauge' or 'counter'"],
    [
      q("service_name BETWEEN 'a' AND 'b'"),
      'VTG_VQL_INVALID_CONDITION',
      36,
      'BETWEEN applies to timestamp only',
    ],
    [q('service_name LIKE metric_name'), 'VTG_VQL_INVALID_CONDITION', 54, 'LIKE takes a pattern'],
    [q("'a' IN ('a')"), 'VTG_VQL_INVALID_CONDITION', 36, 'IN applies to a column'],
    [q("hostname = 'a'"), 'VTG_VQL_UNKNOWN_COLUMN', 36, "Unknown column 'hostname'"],
    [
      q(Array.from({ length: 11 }, (_, i) => `tags.k${i} = 'v'`).join(' AND ')),
      'VTG_VQL_TOO_COMPLEX',
      216,
      'at most 10 conditions',
    ],
    [
      q(`service_name IN (${Array.from({ length: 101 }, () => "'a'").join(', ')})`),
      'VTG_VQL_TOO_COMPLEX',
      553,
      'at most 100 values',
    ],
    [
      'SELECT count(*) FROM metrics WHERE timestamp > now() - 30d GROUP BY time_bucket(1m)',
      'VTG_VQL_INVALID_TIME_RANGE',
      69,
      'spans 43200 buckets',
    ],
  ])('refuses %j', (text, code, column, reason) => {
    const err = refusal(text);
    expect(err.code).toBe(code);
    expect(err.reason).toContain(reason);
    expect(err.column).toBe(column);
  });
});

describe('planQuery', () => {
  const plan = (text: string, retention?: Parameters<typeof planQuery>[1]['retention']) =>
    planQuery(validate(text), { now: NOW, retention });

  test('widens the range to whole steps and reads the coarsest tier that divides the step', () => {
    const p = plan(
      `SELECT count(*) FROM metrics WHERE timestamp >= ${T10 + 1} AND timestamp < ${T10 + HOUR + 1} GROUP BY time_bucket(10m)`,
    );
    expect(p.scan).toEqual({ from: T10, to: T10 + HOUR + 600_000 });
    expect(p.tier.name).toBe('5m');
    expect(p.rateSeconds).toBe(600);
    expect(plan('SELECT count(*) FROM metrics GROUP BY time_bucket(2h)').tier.name).toBe('1h');
    expect(plan('SELECT count(*) FROM metrics GROUP BY time_bucket(7m)').tier.name).toBe('1m');
  });

  test('without a step, widens to whole minutes and picks a tier both ends fall on', () => {
    const day = Date.UTC(2026, 10, 20);
    const p = plan(
      `SELECT rate(value) FROM metrics WHERE timestamp >= ${day} AND timestamp < ${day + 3 * 86_400_000}`,
    );
    expect(p.tier.name).toBe('1d');
    expect(p.rateSeconds).toBe(3 * 86_400);
    const hourly = plan(
      `SELECT count(*) FROM metrics WHERE timestamp >= ${T10} AND timestamp < ${T10 + 90 * 60_000}`,
    );
    expect(hourly.tier.name).toBe('5m');
    expect(plan('SELECT count(*) FROM metrics').scan).toEqual({ from: NOW - HOUR - 56_000, to: NOW + 4_000 });
  });

  test('honours tier retention', () => {
    const short = { '1m': HOUR, '5m': HOUR, '1h': 48 * HOUR, '1d': 365 * 24 * HOUR };
    expect(
      plan('SELECT count(*) FROM metrics WHERE timestamp > now() - 1d GROUP BY time_bucket(1d)', short).tier
        .name,
    ).toBe('1d');
    expect(
      plan('SELECT count(*) FROM metrics WHERE timestamp > now() - 1d GROUP BY time_bucket(1h)', short).tier
        .name,
    ).toBe('1h');
  });

  test('sorts after the query only when ORDER BY needs a percentile', () => {
    expect(
      plan('SELECT tags.r, p99(value) FROM metrics GROUP BY tags.r ORDER BY 2 DESC').sortAfterQuery,
    ).toBe(true);
    expect(plan('SELECT tags.r, p99(value) FROM metrics GROUP BY tags.r ORDER BY 1').sortAfterQuery).toBe(
      false,
    );
  });
});
