import { prepareVql } from '../src/query/index.js';
import { compileClickHouse, compileSqlite } from '../src/storage/index.js';
import { VQL_EXAMPLES } from '../test/support/vql-examples.js';
import type { LogicalPlan } from '../src/query/index.js';
import { percentile } from './support.js';

export interface VqlTiming {
  readonly p50Us: number;
  readonly p99Us: number;
}

export interface VqlBenchRow {
  readonly title: string;
  readonly sqlite: VqlTiming;
  readonly clickhouse: VqlTiming;
}

const COMPILERS: Record<'sqlite' | 'clickhouse', (plan: LogicalPlan) => unknown> = {
  sqlite: compileSqlite,
  clickhouse: (plan) => compileClickHouse(plan, { database: 'vantage', metricRollupsFrom: 0 }),
};

/**
 * Parse + validate + plan + compile of each example of docs/vql.md, timed call by call (the
 * server does exactly this before it asks the store anything), for each compiler.
 */
export function runVqlBench(iterations: number, log: (s: string) => void): VqlBenchRow[] {
  const now = Date.now();
  const rows: VqlBenchRow[] = [];
  for (const example of VQL_EXAMPLES) {
    const timing = (compile: (plan: LogicalPlan) => unknown): VqlTiming => {
      const once = (): void => void compile(prepareVql(example.vql, { now }));
      for (let i = 0; i < 2_000; i++) once(); // let the JIT settle
      (globalThis as { gc?: () => void }).gc?.();
      const times = new Float64Array(iterations);
      for (let i = 0; i < iterations; i++) {
        const t0 = performance.now();
        once();
        times[i] = performance.now() - t0;
      }
      const sorted = Array.from(times).sort((a, b) => a - b);
      return { p50Us: percentile(sorted, 0.5) * 1000, p99Us: percentile(sorted, 0.99) * 1000 };
    };
    const row = {
      title: example.title,
      sqlite: timing(COMPILERS.sqlite),
      clickhouse: timing(COMPILERS.clickhouse),
    };
    log(
      `  ${example.title}: SQLite p99 ${row.sqlite.p99Us.toFixed(1)} µs, ClickHouse p99 ${row.clickhouse.p99Us.toFixed(1)} µs`,
    );
    rows.push(row);
  }
  return rows;
}
