import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { prepareVql } from '../query/index.js';
import type { LogicalPlan } from '../query/index.js';
import { compileClickHouse } from './clickhouse/clickhouse-compiler.js';
import { compileSqlite } from './sqlite/sqlite-compiler.js';

/**
 * Golden files: each query of src/query/golden/queries/<name>.vql compiles, per store, to the SQL,
 * tier and parameters in <store>/golden/<name>.sql beside that store's compiler. Run with
 * UPDATE_GOLDEN=1 to rewrite them after a deliberate change, then review the diff.
 */
const QUERIES = fileURLToPath(new URL('../query/golden/queries/', import.meta.url));
const STORAGE = fileURLToPath(new URL('./', import.meta.url));
const NOW = Date.UTC(2026, 10, 27, 12, 34, 56);
const UPDATE = process.env.UPDATE_GOLDEN === '1';

interface Dialect {
  readonly name: string;
  readonly dir: string;
  compile(plan: LogicalPlan): { sql: string; params: unknown; sortedAndLimited: boolean };
}

const DIALECTS: readonly Dialect[] = [
  { name: 'SQLite', dir: 'sqlite/golden', compile: compileSqlite },
  // The store qualifies tables with its database; the default one is shown.
  {
    name: 'ClickHouse',
    dir: 'clickhouse/golden',
    compile: (plan) => compileClickHouse(plan, { database: 'vantage', metricRollupsFrom: 0 }),
  },
];

function render(dialect: Dialect, vql: string): string {
  const plan = prepareVql(vql, { now: NOW });
  const compiled = dialect.compile(plan);
  return [
    compiled.sql,
    '',
    `-- tier: ${plan.tier.name}`,
    `-- sorted and limited in SQL: ${compiled.sortedAndLimited}`,
    `-- params: ${JSON.stringify(compiled.params)}`,
    ...plan.notices.map((n) => `-- notice: ${n}`),
    '',
  ].join('\n');
}

const inputs = readdirSync(QUERIES)
  .filter((f) => f.endsWith('.vql'))
  .sort();

test('there are golden inputs', () => {
  expect(inputs.length).toBeGreaterThanOrEqual(10);
});

describe.each(DIALECTS)('$name golden files', (dialect) => {
  test.each(inputs)('%s', (file) => {
    const vql = readFileSync(`${QUERIES}${file}`, 'utf8');
    const goldenPath = `${STORAGE}${dialect.dir}/${file.replace(/\.vql$/, '.sql')}`;
    const actual = render(dialect, vql);
    if (UPDATE) {
      writeFileSync(goldenPath, actual);
      return;
    }
    if (!existsSync(goldenPath)) {
      throw new Error(
        `${goldenPath} is missing: run UPDATE_GOLDEN=1 npx vitest run src/storage/vql-compilers.golden.test.ts to write it`,
      );
    }
    expect(actual).toBe(readFileSync(goldenPath, 'utf8'));
  });

  test('every golden file has its query', () => {
    const golden = readdirSync(`${STORAGE}${dialect.dir}`).filter((f) => f.endsWith('.sql'));
    expect(golden.map((f) => f.replace(/\.sql$/, '.vql')).sort()).toEqual(inputs);
  });
});
