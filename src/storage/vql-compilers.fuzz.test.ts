import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { parseRfc3339 } from '../core/index.js';
import {
  VqlError,
  positionAt,
  prepareVql,
  readsEverySeries,
  tagRollupKey,
  tokenize,
} from '../query/index.js';
import { parseIntervalText } from '../query/time-value.js';
import { VQL_EXAMPLES } from '../../test/support/vql-examples.js';
import {
  CLICKHOUSE_FUNCTIONS,
  CLICKHOUSE_SUBQUERIES,
  CLICKHOUSE_TABLES,
  LAST_VALUE_OF_ROLLUP,
  compileClickHouse,
  likeToClickHouse,
} from './clickhouse/clickhouse-compiler.js';
import {
  SQLITE_FUNCTIONS,
  SQLITE_SUBQUERIES,
  SQLITE_TABLES,
  compileSqlite,
} from './sqlite/sqlite-compiler.js';
import type { CompiledSql } from './sqlite/sqlite-compiler.js';
import { likeToGlob, tagPath } from './sqlite/sqlite-values.js';

/**
 * Property-based fuzzing of the whole front end (parse, validate, plan, compile to SQLite and to
 * ClickHouse) on 100,000+ inputs a run: random text, soups of VQL tokens and injection fragments,
 * generated valid queries, and valid queries with random edits. Every input either compiles, in
 * both dialects, to SQL that passes the checks below or is refused with a VqlError that points
 * inside the text.
 */
const NOW = Date.UTC(2026, 10, 27, 12, 34, 56);
/** FUZZ_SCALE=10 for a longer hunt; the default keeps the file near ten seconds on two cores. */
const SCALE = Number(process.env.FUZZ_SCALE ?? '1');
const runs = (n: number): number => Math.round(n * SCALE);

const SQL_WORDS = new Set([
  ...['SELECT', 'AS', 'FROM', 'JOIN', 'ON', 'WHERE', 'AND', 'OR', 'NOT', 'IN', 'GLOB', 'GROUP', 'BY'],
  ...['UNION', 'ALL'],
  ...['ORDER', 'ASC', 'DESC', 'LIMIT', 'CASE', 'WHEN', 'THEN', 'ELSE', 'END'],
  ...SQLITE_TABLES,
  ...SQLITE_FUNCTIONS,
  ...['a', 's', 'm', 'id', 'series_id', 'metric_id', 'start', 'count', 'sum', 'min', 'max', 'last'],
  ...['last_ts', 'sketch', 'tags', 'type', 'service', 'name', 'qmin', 'qmax', 'tag_key', 'tag_value'],
]);

const CLICKHOUSE_WORDS = new Set([
  ...['SELECT', 'AS', 'FROM', 'WHERE', 'AND', 'OR', 'NOT', 'IN', 'LIKE', 'GROUP', 'BY', 'ORDER'],
  ...['ASC', 'DESC', 'NULLS', 'FIRST', 'LAST', 'LIMIT', 'UNION', 'ALL'],
  ...CLICKHOUSE_TABLES,
  ...CLICKHOUSE_FUNCTIONS,
  // The database the fuzz test compiles for, columns of the schema, parameter types.
  ...['vantage', 'service_name', 'metric_name', 'type', 'tags', 'timestamp', 'samples', 'value_sum'],
  ...['value_min', 'value_max', 'value_last', 'last_ts', 'last_at', 'sketch_zero', 'sketch_pos'],
  ...['sketch_neg', 'qzero', 'qpos', 'qneg', 'qmin', 'qmax', 'String', 'UInt32', 'UInt64', 'Float64'],
]);

interface Outcome {
  compiled: boolean;
}

/** Runs the pipeline on one input and checks whichever way it ends. */
function check(text: string): Outcome {
  let sql: string;
  let params: readonly (string | number)[];
  let clickHouse: { sql: string; params: Readonly<Record<string, string | number>> };
  let rollups: CompiledSql[];
  try {
    const plan = prepareVql(text, { now: NOW });
    const compiled = compileSqlite(plan);
    sql = compiled.sql;
    params = compiled.params;
    clickHouse = compileClickHouse(plan, { database: 'vantage', metricRollupsFrom: 0 });
    // The SQL a store runs when a rollup answers the plan, under the same checks.
    const key = tagRollupKey(plan);
    rollups = [
      ...(readsEverySeries(plan) ? [compileSqlite(plan, { rollup: { kind: 'metric' } })] : []),
      ...(key === undefined ? [] : [compileSqlite(plan, { rollup: { kind: 'tag', key } })]),
    ];
  } catch (err) {
    if (!(err instanceof VqlError)) throw err;
    const at = positionAt(text, err.offset);
    if (err.offset < 0 || err.offset > text.length || at.line !== err.line || at.column !== err.column) {
      throw new Error(`position ${err.line}:${err.column} (offset ${err.offset}) is not inside the text`);
    }
    if (!err.message.endsWith(`at line ${err.line}, column ${err.column}`)) throw new Error(err.message);
    return { compiled: false };
  }
  for (const c of [{ sql, params }, ...rollups]) {
    checkSql(c.sql, c.params);
    checkLiteralsBound(text, c.params, [likeToGlob, tagPath]);
  }
  checkClickHouseSql(clickHouse.sql, clickHouse.params);
  checkLiteralsBound(text, Object.values(clickHouse.params), [likeToClickHouse]);
  return { compiled: true };
}

function checkSql(sql: string, params: readonly (string | number)[]): void {
  if (!sql.startsWith('SELECT ')) throw new Error(`not a SELECT: ${sql}`);
  if (/[;'"`\\]|--|\/\*/.test(sql)) throw new Error(`quote, comment or separator in SQL: ${sql}`);
  const words = sql.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? [];
  // Besides its own SELECT, the text may open only the compiler's fixed sub-SELECTs.
  const own = SQLITE_SUBQUERIES.reduce((text, fixed) => text.split(fixed).join(''), sql);
  if ((own.match(/SELECT/g) ?? []).length !== 1) throw new Error(`more than one SELECT: ${sql}`);
  for (const w of words) {
    if (!SQL_WORDS.has(w) && !/^[kv]\d+$/.test(w))
      throw new Error(`identifier ${w} is not whitelisted: ${sql}`);
  }
  // With the words gone, no digit may remain: numbers are bound, never written.
  if (/\d/.test(sql.replace(/[A-Za-z_][A-Za-z0-9_]*/g, ''))) throw new Error(`number literal in SQL: ${sql}`);
  const placeholders = sql.split('?').length - 1;
  if (placeholders !== params.length)
    throw new Error(`${placeholders} placeholders, ${params.length} params`);
}

function checkClickHouseSql(sql: string, params: Readonly<Record<string, string | number>>): void {
  if (!sql.startsWith('SELECT ')) throw new Error(`not a SELECT: ${sql}`);
  if (/[;'"`\\]|--|\/\*|#/.test(sql)) throw new Error(`quote, comment or separator in SQL: ${sql}`);
  const words = sql.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? [];
  // Besides its own SELECT, the text may open only the compiler's fixed sub-SELECTs.
  const own = CLICKHOUSE_SUBQUERIES.reduce((text, fixed) => text.split(fixed).join(''), sql);
  if ((own.match(/SELECT/g) ?? []).length !== 1) throw new Error(`more than one SELECT: ${sql}`);
  for (const w of words) {
    if (!CLICKHOUSE_WORDS.has(w) && !/^[kvp]\d+$/.test(w))
      throw new Error(`identifier ${w} is not whitelisted: ${sql}`);
  }
  // The rollup's (time, value) tuple position is the one number written; any other is bound.
  const withoutWords = sql
    .split(LAST_VALUE_OF_ROLLUP)
    .join('')
    .replace(/[A-Za-z_][A-Za-z0-9_]*/g, '');
  if (/\d/.test(withoutWords)) throw new Error(`number literal in SQL: ${sql}`);
  // Every placeholder is {name:Type} with a bound value, and every bound value has its placeholder.
  const placeholders = [...sql.matchAll(/\{(\w+):(\w+)\}/g)].map((m) => m[1] as string);
  if (sql.replace(/\{\w+:\w+\}/g, '').includes('{')) throw new Error(`malformed placeholder: ${sql}`);
  const names = Object.keys(params);
  if (new Set(placeholders).size !== names.length || !names.every((n) => placeholders.includes(n)))
    throw new Error(`placeholders ${placeholders.join(',')} do not match params ${names.join(',')}`);
}

/**
 * Every string literal of the query reaches the SQL as a parameter, as it is or in the dialect's
 * form (a LIKE pattern, a JSON path), or was consumed as a time.
 */
function checkLiteralsBound(
  text: string,
  params: readonly (string | number)[],
  dialectForms: readonly ((literal: string) => string)[],
): void {
  const bound = new Set(params);
  for (const t of tokenize(text)) {
    if (t.kind !== 'string') continue;
    const v = t.value;
    const used =
      bound.has(v) ||
      dialectForms.some((form) => bound.has(form(v))) ||
      parseRfc3339(v) !== undefined ||
      parseIntervalText(v) !== undefined;
    if (!used) throw new Error(`string literal '${v}' is not among the parameters`);
  }
}

// ---- arbitraries

const quote = (s: string): string => `'${s.replace(/'/g, "''")}'`;

/** Text full of what injected SQL is made of. */
const nasty = fc.string({
  unit: fc.constantFrom(...'ab_%*?[]\'";-/\\ \n()=0x1$:@#`é'.split('')),
  maxLength: 12,
});
const word = fc.stringMatching(/^[a-z_][a-z0-9_]{0,8}$/);
const tagKey = fc.oneof(
  word.map((k) => ({ key: k, ref: `tags.${k}` })),
  nasty.filter((k) => k.length > 0 && !/["\\\n]/.test(k)).map((k) => ({ key: k, ref: `tags[${quote(k)}]` })),
);
const textColumn = fc.oneof(
  fc.constant('service_name'),
  fc.constant('metric_name'),
  tagKey.map((t) => t.ref),
);

const condition = fc.oneof(
  fc.tuple(textColumn, fc.constantFrom('=', '!=', '<>'), nasty).map(([c, op, v]) => `${c} ${op} ${quote(v)}`),
  fc
    .tuple(textColumn, fc.boolean(), fc.array(nasty, { minLength: 1, maxLength: 4 }))
    .map(([c, not, vs]) => `${c} ${not ? 'NOT ' : ''}IN (${vs.map(quote).join(', ')})`),
  fc.tuple(textColumn, fc.boolean(), nasty).map(([c, not, v]) => `${c} ${not ? 'NOT ' : ''}LIKE ${quote(v)}`),
  fc.constantFrom("type = 'gauge'", "type != 'counter'", "type IN ('gauge', 'counter')"),
);

const timeCondition = fc.constantFrom(
  'timestamp > now() - 1h',
  'timestamp >= now() - 15m AND timestamp < now()',
  "timestamp BETWEEN '2026-11-27T10:00:00Z' AND '2026-11-27T11:00:00Z'",
  `timestamp > ${NOW - 7_200_000}`,
  "timestamp > now() - interval '2 hours'",
);

const where = fc
  .tuple(fc.array(condition, { maxLength: 4 }), fc.option(timeCondition), fc.boolean())
  .map(([conds, time, useOr]) => {
    const filter =
      conds.length > 1 && useOr ? [`(${conds.join(' OR ')})`] : conds.length > 0 ? [conds.join(' AND ')] : [];
    const all = [...filter, ...(time === null ? [] : [time])];
    return all.length > 0 ? ` WHERE ${all.join(' AND ')}` : '';
  });

const aggregate = fc.constantFrom(
  'avg(value)',
  'sum(value)',
  'min(value)',
  'max(value)',
  'count(*)',
  'count(value)',
  'last(value)',
  'rate(value)',
  'p50(value)',
  'p99(value)',
);

/** Valid queries: every one must compile. */
const validQuery = fc
  .record({
    keys: fc
      .uniqueArray(
        fc.oneof(
          fc.constantFrom('service_name', 'metric_name', 'type').map((c) => ({ key: c, ref: c })),
          tagKey,
        ),
        {
          maxLength: 3,
          // tags.x and tags['x'] are one column.
          selector: (k) => k.key,
        },
      )
      .map((ks) => ks.map((k) => k.ref)),
    bucket: fc.option(fc.constantFrom('time_bucket(1m)', 'time_bucket(5m)', 'time_bucket(1h, timestamp)')),
    aggs: fc.uniqueArray(aggregate, { minLength: 1, maxLength: 3 }),
    where,
    desc: fc.boolean(),
    limit: fc.option(fc.integer({ min: 1, max: 10_000 })),
  })
  .map(({ keys, bucket, aggs, where: w, desc, limit }) => {
    const groups = [...keys, ...(bucket === null ? [] : [bucket])];
    const select = [...groups, ...aggs].join(', ');
    const groupBy = groups.length > 0 ? ` GROUP BY ${groups.join(', ')}` : '';
    const orderBy = ` ORDER BY ${groups.length + 1}${desc ? ' DESC' : ''}`;
    return `SELECT ${select} FROM metrics${w}${groupBy}${orderBy}${limit === null ? '' : ` LIMIT ${limit}`}`;
  });

const VOCABULARY = [
  ...['SELECT', 'FROM', 'WHERE', 'GROUP', 'BY', 'ORDER', 'LIMIT', 'AND', 'OR', 'NOT', 'IN', 'LIKE'],
  ...['BETWEEN', 'AS', 'ASC', 'DESC', 'INTERVAL', 'UNION', 'DROP', 'TABLE', 'JOIN', 'HAVING', 'NULL'],
  ...['metrics', 'sqlite_master', 'system.tables', 'service_name', 'metric_name', 'type', 'value'],
  ...['timestamp', 'tags', 'tags.route', "tags['a b']", 'avg', 'p99', 'count', 'rate', 'time_bucket'],
  ...['now', 'load_extension', 'char', '(', ')', '(*)', '(value)', ',', '.', '*', ';', '=', '!=', '<>'],
  ...['<', '<=', '>', '>=', '+', '-', '5m', '1h', '0', '42', '1.5', '0x41', "'x'", "''", "'", "' OR '1'='1"],
  ...["'2026-11-27T10:00:00Z'", "'1 hour'", '--', '/*', '*/', '"', '\\', '?', '[', ']', '\n', 'now()'],
];

const tokenSoup = fc
  .array(fc.constantFrom(...VOCABULARY), { maxLength: 30 })
  .chain((tokens) => fc.constantFrom(' ', '').map((sep) => tokens.join(sep)));

const FRAGMENTS = [
  "'",
  "''",
  ';',
  '; DROP TABLE metrics',
  '--',
  '/*',
  '"',
  '\\',
  ' OR 1=1',
  " OR '1'='1",
  ' UNION SELECT * FROM sqlite_master',
  '(',
  ')',
  ',',
  ' AND ',
  ' NOT ',
  'SELECT',
  '0x41',
  'char(65)',
  ' load_extension(value)',
  '%',
  '\n',
  '*',
  ' LIMIT 99999',
];

type Mutation =
  | { op: 'insert'; at: number; text: string }
  | { op: 'delete'; at: number; length: number }
  | { op: 'swap'; a: number; b: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), text: fc.constantFrom(...FRAGMENTS) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ op: fc.constant('swap' as const), a: fc.nat(), b: fc.nat() }),
);

function mutate(text: string, mutations: readonly Mutation[]): string {
  let out = text;
  for (const m of mutations) {
    if (m.op === 'insert') {
      const at = m.at % (out.length + 1);
      out = out.slice(0, at) + m.text + out.slice(at);
    } else if (m.op === 'delete') {
      const at = m.at % (out.length + 1);
      out = out.slice(0, at) + out.slice(at + m.length);
    } else {
      const words = out.split(' ');
      const a = m.a % words.length;
      const b = m.b % words.length;
      [words[a], words[b]] = [words[b] as string, words[a] as string];
      out = words.join(' ');
    }
  }
  return out;
}

const mutatedQuery = fc
  .tuple(
    fc.oneof(validQuery, fc.constantFrom(...VQL_EXAMPLES.map((e) => e.vql))),
    fc.array(mutation, { minLength: 1, maxLength: 4 }),
  )
  .map(([text, ms]) => mutate(text, ms));

// ---- properties

function fuzz(
  arb: fc.Arbitrary<string>,
  numRuns: number,
  mustCompile = false,
): { total: number; compiled: number } {
  const tally = { total: 0, compiled: 0 };
  fc.assert(
    fc.property(arb, (text) => {
      tally.total++;
      if (check(text).compiled) tally.compiled++;
      else if (mustCompile) prepareVql(text, { now: NOW });
    }),
    { numRuns },
  );
  return tally;
}

// Longer than vitest's default five seconds when FUZZ_SCALE raises the run counts.
describe('VQL fuzzing', { timeout: 600_000 }, () => {
  test('random text (printable and any code point)', () => {
    const t = fuzz(
      fc.oneof(
        fc.string({ unit: 'grapheme-ascii', maxLength: 120 }),
        fc.string({ unit: 'binary', maxLength: 60 }),
      ),
      runs(20_000),
    );
    expect(t.total).toBe(runs(20_000));
  });

  test('token soup from the VQL vocabulary and injection fragments', () => {
    const t = fuzz(tokenSoup, runs(30_000));
    expect(t.total).toBe(runs(30_000));
  });

  test('generated valid queries all compile', () => {
    const t = fuzz(validQuery, runs(20_000), true);
    expect(t.compiled).toBe(t.total);
  });

  test('valid queries with random insertions, deletions and swaps', () => {
    const t = fuzz(mutatedQuery, runs(35_000));
    // Some edits keep a query valid (a deleted space, a swapped pair of equal words): both outcomes run.
    expect(t.compiled).toBeGreaterThan(0);
    expect(t.compiled).toBeLessThan(t.total);
  });
});
