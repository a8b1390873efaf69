import type { Database } from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { QuantileSketch, TIERS } from '../../core/index.js';
import { prepareVql } from '../../query/index.js';
import { VQL_EXAMPLES } from '../../../test/support/vql-examples.js';
import { migrate, tierTable } from './schema.js';
import { openDatabase } from './sqlite-connection.js';
import { compileSqlite, type CompiledSql } from './sqlite-compiler.js';

/**
 * Runs compiled SQL on a real SQLite database: the store's schema and the SQL functions every
 * connection of the store registers.
 */
const NOW = Date.UTC(2026, 10, 27, 12, 0, 0);
const MIN = 60_000;

let db: Database;

beforeAll(() => {
  db = openDatabase(':memory:');
  migrate(db);
  db.exec(`
    INSERT INTO metric VALUES (1, 'checkout', 'http_request_duration_ms', 0), (2, 'billing', 'http_request_duration_ms', 0),
      (3, 'checkout', 'http_requests_total', 0), (4, 'Checkout', 'http_requests_total', 0);
    INSERT INTO series VALUES (1, 1, 'gauge', '{"route":"/pay"}'), (2, 1, 'gauge', '{"route":"/cart"}'),
      (3, 2, 'gauge', '{"route":"/pay"}'), (4, 3, 'counter', '{"route":"/pay"}'), (5, 3, 'counter', '{}'),
      (6, 4, 'counter', '{}');
  `);
  const insert = db.prepare(`INSERT INTO ${tierTable('1m')} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const series: [number, number, number][] = [
    [1, 1, 100],
    [1, 2, 10],
    [2, 3, 200],
    [3, 4, 6],
    [3, 5, 60],
    [4, 6, 1],
  ];
  // 90 minutes of data: each minute each series saw 3 samples of base, base + 1, base + 2.
  for (let m = 90; m >= 1; m--) {
    const start = NOW - m * MIN;
    for (const [metric, s, base] of series) {
      const sketch = new QuantileSketch();
      for (const v of [base, base + 1, base + 2]) sketch.add(v);
      insert.run(
        metric,
        start,
        s,
        3,
        3 * base + 3,
        base,
        base + 2,
        base + 2,
        start + 59_000,
        sketch.encode(),
      );
    }
  }
  // The store writes every tier; derive the coarser ones from the minute rows.
  for (const t of TIERS.slice(1)) {
    db.prepare(
      `INSERT INTO ${tierTable(t.name)} SELECT metric_id, start - start % ? AS b, series_id, sum(count), sum(sum),
         min(min), max(max), last_by_time(last, last_ts), max(last_ts), sketch_union(sketch)
       FROM ${tierTable('1m')} GROUP BY metric_id, b, series_id`,
    ).run(t.resolutionMs);
  }
});

afterAll(() => db.close());

function run(vql: string): { compiled: CompiledSql; rows: Record<string, unknown>[] } {
  const compiled = compileSqlite(prepareVql(vql, { now: NOW }));
  const rows = db.prepare(compiled.sql).all(...compiled.params) as Record<string, unknown>[];
  return { compiled, rows };
}

describe('compiled SQL on SQLite', () => {
  test.each(VQL_EXAMPLES.map((e) => [e.title, e.vql]))('runs: %s', (_title, vql) => {
    expect(() => run(vql)).not.toThrow();
  });

  test('the issue query: per service and 5-minute bucket, avg and a sketch for p99', () => {
    const { rows, compiled } = run(VQL_EXAMPLES[0]?.vql as string);
    // An hour back from 12:00 is 11:00:00.001, widened to the 11:00 bucket: 12 buckets per service.
    expect(rows).toHaveLength(24);
    expect(rows[0]).toMatchObject({ k0: 'billing', k1: NOW - 60 * MIN, v0: 201 });
    expect(rows[12]).toMatchObject({ k0: 'checkout', v0: 101 });
    const col = compiled.columns.v1;
    expect(col).toEqual({ alias: 'v1', kind: 'sketch', quantile: 0.99 });
    const p99 = QuantileSketch.decode(rows[12]?.v1 as Buffer).quantile(0.99);
    expect(p99).toBeGreaterThan(101);
    expect(p99).toBeLessThanOrEqual(102 * 1.01);
    expect(rows[12]).toMatchObject({ qmin: 100, qmax: 102 });
  });

  test('rate, tag grouping with a missing tag read as empty text, and case-sensitive LIKE', () => {
    const { rows } = run(
      "SELECT service_name, tags.route, rate(value), last(value) FROM metrics WHERE metric_name = 'http_requests_total' AND service_name LIKE 'check%' AND timestamp >= now() - 10m GROUP BY service_name, tags.route",
    );
    // Counter rows sum deltas: 10 minutes of (3 * base + 3) per minute, over 600 s.
    expect(rows).toEqual([
      { k0: 'checkout', k1: '', v0: (10 * 183) / 600, v1: 62 },
      { k0: 'checkout', k1: '/pay', v0: (10 * 21) / 600, v1: 8 },
    ]);
  });

  test('NOT, IN and values that look like SQL stay values', () => {
    const { rows } = run(
      "SELECT tags.route, count(*) FROM metrics WHERE NOT (service_name IN ('billing', 'x'' OR ''1''=''1')) AND metric_name = 'http_request_duration_ms' AND timestamp > now() - 5m GROUP BY tags.route",
    );
    expect(rows).toEqual([
      { k0: '/cart', v0: 15 },
      { k0: '/pay', v0: 15 },
    ]);
    expect(run("SELECT count(*) FROM metrics WHERE service_name = 'x'' OR ''1''=''1'").rows).toEqual([
      { v0: 0 },
    ]);
  });

  test('sorts and limits in SQL, with ties broken on the keys', () => {
    const { rows } = run(
      'SELECT service_name, metric_name, max(value) FROM metrics WHERE timestamp > now() - 1h GROUP BY service_name, metric_name ORDER BY 3 DESC LIMIT 2',
    );
    expect(rows).toEqual([
      { k0: 'billing', k1: 'http_request_duration_ms', v0: 202 },
      { k0: 'checkout', k1: 'http_request_duration_ms', v0: 102 },
    ]);
  });
});
