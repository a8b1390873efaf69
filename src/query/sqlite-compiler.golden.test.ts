import { readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { compileSqlite } from './sqlite-compiler.js';
import { prepareVql } from './vql.js';

/**
 * Golden files: each golden/sqlite/<name>.vql compiles to the SQL, tier and parameters in
 * <name>.sql. Run with UPDATE_GOLDEN=1 to rewrite them after a deliberate change, then review the diff.
 */
const DIR = fileURLToPath(new URL('./golden/sqlite/', import.meta.url));
const NOW = Date.UTC(2026, 10, 27, 12, 34, 56);
const UPDATE = process.env.UPDATE_GOLDEN === '1';

function render(vql: string): string {
  const plan = prepareVql(vql, { now: NOW });
  const compiled = compileSqlite(plan);
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

const inputs = readdirSync(DIR)
  .filter((f) => f.endsWith('.vql'))
  .sort();

describe('SQLite golden files', () => {
  test('there are golden inputs', () => {
    expect(inputs.length).toBeGreaterThanOrEqual(10);
  });

  test.each(inputs)('%s', (file) => {
    const vql = readFileSync(DIR + file, 'utf8');
    const goldenPath = DIR + file.replace(/\.vql$/, '.sql');
    const actual = render(vql);
    if (UPDATE) {
      writeFileSync(goldenPath, actual);
      return;
    }
    if (!existsSync(goldenPath)) {
      throw new Error(`${goldenPath} is missing: run UPDATE_GOLDEN=1 npx vitest run src/query to write it`);
    }
    expect(actual).toBe(readFileSync(goldenPath, 'utf8'));
  });
});
