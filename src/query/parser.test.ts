import { describe, expect, test } from 'vitest';
import type { Condition, ValueExpr } from './ast.js';
import { MAX_NESTING, MAX_QUERY_LENGTH, parseVql } from './parser.js';
import { VqlError } from './vql-error.js';

function parseError(text: string): VqlError {
  try {
    parseVql(text);
  } catch (err) {
    if (err instanceof VqlError) return err;
    throw err;
  }
  throw new Error(`expected a VqlError for ${text}`);
}

/** A compact rendering of a condition tree, to compare precedence. */
function show(c: Condition | undefined): string {
  if (c === undefined) return '';
  switch (c.kind) {
    case 'and':
    case 'or':
      return `(${c.operands.map(show).join(` ${c.kind} `)})`;
    case 'not':
      return `not ${show(c.operand)}`;
    case 'compare':
      return `${value(c.left)}${c.op}${value(c.right)}`;
    case 'in':
      return `${value(c.subject)} ${c.negated ? 'not in' : 'in'} [${c.values.map(value).join(',')}]`;
    case 'like':
      return `${value(c.subject)} ${c.negated ? 'not like' : 'like'} ${value(c.pattern)}`;
    case 'between':
      return `${value(c.subject)} between ${value(c.low)}..${value(c.high)}`;
  }
}

function value(v: ValueExpr): string {
  switch (v.kind) {
    case 'column':
      return v.tagKey === undefined ? v.name : `${v.name}[${v.tagKey}]`;
    case 'call':
      return `${v.name}(${v.args.map(value).join(',')})`;
    case 'string':
      return `'${v.value}'`;
    case 'number':
      return v.text;
    case 'duration':
      return v.text;
    case 'interval':
      return `interval(${v.text})`;
    case 'star':
      return '*';
    case 'arith':
      return `${value(v.first)}${v.rest.map((r) => `${r.op}${value(r.term)}`).join('')}`;
  }
}

const where = (w: string): string => show(parseVql(`SELECT count(*) FROM metrics WHERE ${w}`).where);

describe('parseVql', () => {
  test('reads every clause, with positions on the nodes', () => {
    const ast = parseVql(
      "select service_name AS svc, P99(value)\nFROM Metrics\nWHERE tags.route = '/pay'\nGROUP BY service_name, time_bucket(5m)\nORDER BY 2 desc, svc\nLIMIT 50;",
    );
    expect(ast.select.map((s) => [value(s.expr), s.alias?.name])).toEqual([
      ['service_name', 'svc'],
      ['p99(value)', undefined],
    ]);
    expect(ast.from).toMatchObject({ name: 'Metrics', pos: { line: 2, column: 6, offset: 44 } });
    expect(show(ast.where)).toBe("tags[route]='/pay'");
    expect(ast.where?.pos).toEqual({ line: 3, column: 7, offset: 58 });
    expect(ast.groupBy.map(value)).toEqual(['service_name', 'time_bucket(5m)']);
    expect(ast.groupBy[1]?.pos).toMatchObject({ line: 4, column: 24 });
    expect(ast.orderBy.map((o) => [value(o.expr), o.direction])).toEqual([
      ['2', 'desc'],
      ['svc', 'asc'],
    ]);
    expect(ast.limit).toMatchObject({ value: 50, pos: { line: 6, column: 7 } });
  });

  test('AND binds tighter than OR, NOT tighter than AND, parentheses override', () => {
    expect(where("a = 'x' OR b = 'y' AND c = 'z'")).toBe("(a='x' or (b='y' and c='z'))");
    expect(where("NOT a = 'x' AND b = 'y'")).toBe("(not a='x' and b='y')");
    expect(where("(a = 'x' OR b = 'y') AND NOT (c = 'z')")).toBe("((a='x' or b='y') and not c='z')");
    expect(where("a = 'x' AND b = 'y' AND c = 'z'")).toBe("(a='x' and b='y' and c='z')");
  });

  test('reads IN, NOT IN, LIKE, NOT LIKE, BETWEEN, <> and time arithmetic', () => {
    expect(where("tags['k 1'] NOT IN ('a', 'b')")).toBe("tags[k 1] not in ['a','b']");
    expect(where("service_name not like 'x%'")).toBe("service_name not like 'x%'");
    expect(where('timestamp BETWEEN 1 AND 2')).toBe('timestamp between 1..2');
    expect(where("type <> 'gauge'")).toBe("type!='gauge'");
    expect(where("timestamp > now() - 1h + 5m AND timestamp < now() - interval '1 hour'")).toBe(
      '(timestamp>now()-1h+5m and timestamp<now()-interval(1 hour))',
    );
  });

  test('count(*) and time_bucket with two arguments', () => {
    const ast = parseVql('SELECT count(*), time_bucket(1m, timestamp) FROM metrics');
    expect(ast.select.map((s) => value(s.expr))).toEqual(['count(*)', 'time_bucket(1m,timestamp)']);
  });

  test('SELECT * parses (the validator refuses it with its own message)', () => {
    expect(parseVql('SELECT * FROM metrics').select[0]?.expr.kind).toBe('star');
  });

  test.each([
    ['DROP TABLE metrics', 'DROP is not allowed: VQL only reads, with SELECT', 1, 1],
    ['WITH x AS (SELECT 1) SELECT 1', 'WITH is not supported', 1, 1],
    ['SELECT FROM metrics', 'Expected a column, found the keyword FROM', 1, 8],
    ['SELECT , FROM metrics', "Expected a column, function or value, found ','", 1, 8],
    ['SELECT a b FROM metrics', "Expected FROM after the selected columns, found 'b'", 1, 10],
    ['SELECT a FROM (SELECT 1)', 'Subqueries are not supported', 1, 15],
    ['SELECT a FROM metrics WHERE a IN (SELECT b FROM c)', 'Subqueries are not supported', 1, 35],
    ['SELECT a FROM metrics UNION SELECT b FROM metrics', 'UNION is not supported', 1, 23],
    ['SELECT a FROM metrics JOIN x', 'Joins are not supported', 1, 23],
    ['SELECT a FROM metrics GROUP BY a HAVING count(*) > 1', 'HAVING is not supported', 1, 34],
    ['SELECT a FROM metrics LIMIT 10 OFFSET 5', 'OFFSET is not supported', 1, 32],
    ['SELECT a FROM metrics GROUP BY a WHERE b = 1', 'Clauses go in the order', 1, 34],
    [
      "SELECT a FROM metrics WHERE a = 'x' b",
      "Did not expect 'b' here: expected GROUP BY, ORDER BY, LIMIT, the end of the query",
      1,
      37,
    ],
    ['SELECT a FROM metrics WHERE a', "Expected a comparison after 'a'", 1, 30],
    ['SELECT a FROM metrics WHERE a IS NULL', 'IS NULL is not supported', 1, 31],
    ["SELECT a FROM metrics WHERE (a = 'x'", "Expected ')' to close the parenthesis", 1, 37],
    ['SELECT a FROM metrics LIMIT 1.5', 'LIMIT takes a whole number', 1, 29],
    ['SELECT a FROM metrics LIMIT -1', 'LIMIT takes a whole number', 1, 29],
    ['SELECT count(DISTINCT value) FROM metrics', 'DISTINCT is not supported', 1, 14],
    ['SELECT a AS FROM metrics', 'Expected an alias after AS, found the keyword FROM', 1, 13],
    ["SELECT tags.'x' FROM metrics", "Expected a name after 'tags.'", 1, 13],
    ['SELECT tags[route] FROM metrics', "Expected a quoted key, e.g. tags['http.route']", 1, 13],
    ['SELECT a FROM metrics WHERE (a) = 1', "Expected a comparison after 'a'", 1, 31],
    ["SELECT a FROM metrics WHERE a = ('x')", 'Parentheses group conditions, not values', 1, 33],
    ['SELECT a FROM metrics WHERE timestamp > INTERVAL 5', 'INTERVAL takes a string', 1, 50],
    ['', 'A VQL query starts with SELECT', 1, 1],
  ])('refuses %j', (text, reason, line, column) => {
    const err = parseError(text);
    expect(err.code).toBe('VTG_VQL_SYNTAX_ERROR');
    expect(err.reason).toContain(reason);
    expect([err.line, err.column]).toEqual([line, column]);
  });

  test('refuses nesting deeper than the limit before the stack runs out', () => {
    const deep = `SELECT a FROM metrics WHERE ${'('.repeat(MAX_NESTING + 1)}a = 'x'${')'.repeat(MAX_NESTING + 1)}`;
    expect(parseError(deep).code).toBe('VTG_VQL_TOO_COMPLEX');
    const nots = `SELECT a FROM metrics WHERE ${'NOT '.repeat(2000)}a = 'x'`;
    expect(parseError(nots).code).toBe('VTG_VQL_TOO_COMPLEX');
    const calls = `SELECT ${'f('.repeat(2000)}${')'.repeat(2000)} FROM metrics`;
    expect(parseError(calls).code).toBe('VTG_VQL_TOO_COMPLEX');
  });

  test('refuses a query longer than the limit', () => {
    const err = parseError(`SELECT a FROM metrics WHERE a = '${'x'.repeat(MAX_QUERY_LENGTH)}'`);
    expect(err.code).toBe('VTG_VQL_QUERY_TOO_LONG');
    expect(err.offset).toBe(MAX_QUERY_LENGTH);
  });
});
