import { describe, expect, test } from 'vitest';
import { shapeVqlAnswer } from './result.js';
import type { VqlRow } from './result.js';
import { prepareVql } from './vql.js';

const NOW = Date.UTC(2026, 10, 27, 12, 0, 0);

describe('shapeVqlAnswer', () => {
  const plan = prepareVql(
    'SELECT service_name, tags.route, p99(value) AS p FROM metrics GROUP BY service_name, tags.route ORDER BY p DESC LIMIT 3',
    { now: NOW },
  );
  // k0 service, k1 route, v0 p99: in no particular order, as a store's GROUP BY may give them.
  const rows: VqlRow[] = [
    { k0: 'b', k1: '/x', v0: 5 },
    { k0: 'a', k1: '/y', v0: 5 },
    { k0: 'c', k1: '/x', v0: null },
    { k0: 'a', k1: '/x', v0: 5 },
    { k0: 'd', k1: '', v0: 9 },
  ];

  test('sorts by ORDER BY, breaks ties on the group keys, then cuts at LIMIT', () => {
    expect(plan.sortAfterQuery).toBe(true);
    const answer = shapeVqlAnswer(plan, rows, false);
    expect(answer.columns).toEqual(['service_name', 'tags.route', 'p']);
    expect(answer.rows).toEqual([
      ['d', '', 9],
      ['a', '/x', 5],
      ['a', '/y', 5],
    ]);
  });

  test('cuts the same rows whatever order the store returned them in', () => {
    const reversed = shapeVqlAnswer(plan, [...rows].reverse(), false);
    expect(reversed).toEqual(shapeVqlAnswer(plan, rows, false));
  });

  test('puts nulls below every number: last when descending', () => {
    const all = shapeVqlAnswer({ ...plan, limit: 10 }, rows, false);
    expect(all.rows.at(-1)).toEqual(['c', '/x', null]);
  });

  test('keeps the store order when the store sorted and cut', () => {
    expect(shapeVqlAnswer(plan, rows, true).rows.map((r) => r[0])).toEqual(['b', 'a', 'c', 'a', 'd']);
  });
});
