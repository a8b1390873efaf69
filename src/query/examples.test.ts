import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { VQL_EXAMPLES } from '../../test/support/vql-examples.js';
import { compileSqlite } from '../storage/index.js';
import { prepareVql } from './vql.js';
import { VqlError } from './vql-error.js';

const DOC = readFileSync(fileURLToPath(new URL('../../docs/vql.md', import.meta.url)), 'utf8');
const NOW = Date.UTC(2026, 10, 27, 12, 0, 0);

describe('docs/vql.md', () => {
  test('shows every example of vql-examples.ts, word for word, and no other', () => {
    const shown = [...DOC.matchAll(/```sql\n([^`]*?)\n```/g)].map((m) => m[1]);
    expect(shown).toEqual(VQL_EXAMPLES.map((e) => e.vql));
    expect(VQL_EXAMPLES.length).toBeGreaterThanOrEqual(8);
  });

  test.each(VQL_EXAMPLES.map((e) => [e.title, e.vql]))('example compiles: %s', (_title, vql) => {
    const compiled = compileSqlite(prepareVql(vql, { now: NOW }));
    expect(compiled.sql.startsWith('SELECT ')).toBe(true);
  });

  test('the error examples are the messages VQL gives', () => {
    const block = /```text\n([^`]*?)\n```/.exec(DOC)?.[1] ?? '';
    const entries: { query: string; message: string }[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(' ')) {
        const last = entries[entries.length - 1];
        if (last) last.message = `${last.message} ${line.trim()}`.trim();
      } else if (line.trim() !== '') {
        entries.push({ query: line, message: '' });
      }
    }
    expect(entries.length).toBeGreaterThanOrEqual(6);
    for (const { query, message } of entries) {
      let actual = 'compiled';
      try {
        compileSqlite(prepareVql(query, { now: NOW }));
      } catch (err) {
        if (!(err instanceof VqlError)) throw err;
        actual = `${err.code}: ${err.message}`;
      }
      expect(actual).toBe(message);
    }
  });
});
