/**
 * VQL gives the same answers on both stores: one generated data set written to a real SQLite file
 * and to a real ClickHouse database (fresh per run), every query planned once and run on each,
 * and the shaped answers compared.
 *
 *   eval "$(bash scripts/services.sh env)" && export KAFKA_BROKERS CLICKHOUSE_URL
 *   npx vitest run --project integration test/vql-parity.int.test.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { VantageError } from '../src/core/index.js';
import type { Aggregation, TierRetention } from '../src/core/index.js';
import { prepareVql, shapeVqlAnswer } from '../src/query/index.js';
import { VQL_EXAMPLES } from './support/vql-examples.js';
import type { LogicalPlan, VqlAnswer } from '../src/query/index.js';
import { ClickHouseStore, SqliteStore } from '../src/storage/index.js';
import type { Store } from '../src/storage/index.js';
import { adminClient, clickHouseUrl, dropDatabase, freshDatabaseName } from './support/clickhouse.js';
import { vqlDataset } from './support/vql-dataset.js';

const NOW = Date.UTC(2026, 10, 27, 12, 34, 56);
const FOREVER: TierRetention = { '1m': 1e13, '5m': 1e13, '1h': 1e13, '1d': 1e13 };

/**
 * Aggregates whose value is a sum of floating-point numbers: each store adds the stored partials
 * in its own order (SQLite merged them at write time, per tier; ClickHouse adds rows as it reads
 * them), so their last bits may differ. They are compared to a relative 1e-9; everything else
 * (counts, min, max, last, percentiles from identically merged sketches, keys) must be equal.
 */
const SUMMED: ReadonlySet<Aggregation> = new Set(['avg', 'sum', 'rate']);
const RELATIVE_TOLERANCE = 1e-9;

interface ParityCase {
  readonly name: string;
  readonly vql: string;
  /** What the answer holds; 'rows' (the default) means at least one row with a value. */
  readonly expect?: 'rows' | 'no rows' | 'one empty row';
}

const ALL_AGGREGATES =
  'avg(value), sum(value), min(value), max(value), count(*), count(value), last(value), rate(value), p50(value), p90(value), p95(value), p99(value)';

const CASES: readonly ParityCase[] = [
  ...VQL_EXAMPLES.map((e) => ({ name: `example: ${e.title}`, vql: e.vql })),
  // Every aggregate, at each tier (the planner picks the coarsest one the step allows).
  {
    name: 'every aggregate per service and metric, whole range (1m tier)',
    vql: `SELECT service_name, metric_name, type, ${ALL_AGGREGATES} FROM metrics WHERE timestamp >= now() - 2d GROUP BY service_name, metric_name, type`,
  },
  {
    name: 'every aggregate per day (1d tier)',
    vql: `SELECT time_bucket(1d) AS day, metric_name, ${ALL_AGGREGATES} FROM metrics WHERE timestamp >= now() - 3d GROUP BY day, metric_name`,
  },
  {
    name: 'every aggregate per hour (1h tier)',
    vql: `SELECT time_bucket(1h), ${ALL_AGGREGATES} FROM metrics WHERE service_name = 'checkout' AND timestamp > now() - 1d GROUP BY time_bucket(1h)`,
  },
  {
    name: 'every aggregate per 5 minutes (5m tier)',
    vql: `SELECT time_bucket(5m), tags.route, ${ALL_AGGREGATES} FROM metrics WHERE metric_name = 'http_request_duration_ms' AND timestamp > now() - 3h GROUP BY time_bucket(5m), tags.route LIMIT 10000`,
  },
  {
    name: 'every aggregate per minute (1m tier)',
    vql: `SELECT time_bucket(1m), ${ALL_AGGREGATES} FROM metrics WHERE service_name = 'cart' AND timestamp > now() - 2h GROUP BY time_bucket(1m)`,
  },
  {
    name: 'steps between tiers: 7m reads minutes, 15m five-minute rows, 2h hours',
    vql: "SELECT time_bucket(7m), count(*), p90(value), last(value) FROM metrics WHERE metric_name = 'db_query_ms' AND timestamp > now() - 6h GROUP BY time_bucket(7m)",
  },
  {
    name: '15-minute step',
    vql: "SELECT time_bucket(15m), sum(value), max(value) FROM metrics WHERE metric_name = 'queue_depth' AND timestamp > now() - 12h GROUP BY time_bucket(15m)",
  },
  {
    name: '2-hour step, last from the hourly rollup',
    vql: "SELECT time_bucket(2h), service_name, last(value), rate(value) FROM metrics WHERE metric_name = 'queue_depth' AND timestamp > now() - 2d GROUP BY time_bucket(2h), service_name",
  },
  {
    name: 'whole days without a step read the daily rollup',
    vql: "SELECT service_name, avg(value), last(value), p99(value), rate(value) FROM metrics WHERE timestamp >= '2026-11-25T00:00:00Z' AND timestamp < '2026-11-27T00:00:00Z' GROUP BY service_name",
  },
  {
    name: 'a range not aligned to the step widens to whole buckets',
    vql: "SELECT time_bucket(1h), count(*), min(value) FROM metrics WHERE metric_name = 'cache_hit_ratio' AND timestamp > now() - 90m GROUP BY time_bucket(1h)",
  },
  // Conditions.
  {
    name: 'IN and NOT IN on columns and tags',
    vql: "SELECT service_name, tags.status, count(*) FROM metrics WHERE service_name IN ('checkout', 'billing', 'nobody') AND tags.status NOT IN ('200', '404') AND timestamp > now() - 1d GROUP BY service_name, tags.status",
  },
  {
    name: 'LIKE with % and _, NOT LIKE, case-sensitive',
    vql: "SELECT service_name, sum(value) FROM metrics WHERE metric_name LIKE 'jobs\\_%' AND service_name NOT LIKE 'test-%' AND service_name LIKE '%_%' AND timestamp > now() - 1h GROUP BY service_name",
  },
  {
    name: 'LIKE escapes match %, _ and backslash themselves',
    vql: "SELECT tags.note, count(*) FROM metrics WHERE tags.note LIKE '%\\\\ 50\\%\\_off' AND tags.note NOT LIKE 'x%' AND timestamp > now() - 1d GROUP BY tags.note",
  },
  {
    name: 'LIKE _ matches one non-ASCII letter',
    vql: "SELECT tags.sensor, type, count(*), min(value) FROM metrics WHERE tags.sensor LIKE 'caf_' AND timestamp > now() - 1d GROUP BY tags.sensor, type",
  },
  {
    name: 'AND, OR, NOT and parentheses',
    vql: "SELECT service_name, tags.route, count(*), avg(value) FROM metrics WHERE metric_name = 'http_request_duration_ms' AND (tags.route = '/pay' OR (tags.route = '/cart' AND NOT tags.env = 'staging')) AND NOT (service_name = 'billing' OR tags['deploy.track'] = 'canary') AND timestamp > now() - 6h GROUP BY service_name, tags.route",
  },
  {
    name: 'a missing tag reads as empty, in WHERE and GROUP BY',
    vql: "SELECT tags.route, tags['deploy.track'], count(*) FROM metrics WHERE metric_name = 'http_request_duration_ms' AND (tags.route = '' OR tags['deploy.track'] = '') AND timestamp > now() - 1d GROUP BY tags.route, tags['deploy.track']",
  },
  {
    name: 'values with quotes and backslashes, keys with spaces, empty values',
    vql: "SELECT tags['a b'], tags.empty, count(*), p50(value) FROM metrics WHERE tags.note = 'o''brien \\ 50%_off' AND tags['a b'] != '' AND tags.empty = '' AND timestamp > now() - 1d GROUP BY tags['a b'], tags.empty",
  },
  {
    name: 'type filter and a metric sent as both types',
    vql: "SELECT type, rate(value), count(*), p95(value), min(value), max(value) FROM metrics WHERE metric_name = 'temperature_delta' AND type IN ('gauge', 'counter') AND timestamp > now() - 1d GROUP BY type",
  },
  {
    name: 'rate of a counter+gauge group, without a step',
    vql: "SELECT service_name, rate(value) FROM metrics WHERE metric_name = 'temperature_delta' AND timestamp > now() - 4h GROUP BY service_name",
  },
  // Ordering and limits.
  {
    name: 'ORDER BY a percentile, with LIMIT',
    vql: "SELECT service_name, tags.route, p99(value) AS slow FROM metrics WHERE metric_name = 'http_request_duration_ms' AND timestamp > now() - 1d GROUP BY service_name, tags.route ORDER BY slow DESC LIMIT 3",
  },
  {
    name: 'ORDER BY a percentile not selected, ascending, ties on counters',
    vql: 'SELECT service_name, metric_name, count(*) FROM metrics WHERE timestamp > now() - 2h GROUP BY service_name, metric_name ORDER BY p50(value), metric_name DESC LIMIT 12',
  },
  {
    name: 'ORDER BY an aggregate DESC with LIMIT 1',
    vql: "SELECT service_name, avg(value) AS mean FROM metrics WHERE metric_name = 'http_request_duration_ms' AND timestamp > now() - 1d GROUP BY service_name ORDER BY mean DESC LIMIT 1",
  },
  {
    name: 'ORDER BY position and keys, LIMIT cutting inside ties',
    vql: 'SELECT service_name, type, count(*) FROM metrics WHERE timestamp > now() - 30m GROUP BY service_name, type ORDER BY 2 DESC, 1 LIMIT 4',
  },
  {
    name: 'group keys only',
    vql: 'SELECT service_name, metric_name FROM metrics WHERE timestamp > now() - 1d GROUP BY service_name, metric_name',
  },
  // Nothing matches.
  {
    name: 'no group keys and nothing selected: one row of nulls and a zero count',
    vql: `SELECT ${ALL_AGGREGATES} FROM metrics WHERE service_name = 'nobody' AND timestamp > now() - 1h`,
    expect: 'one empty row',
  },
  {
    name: 'grouped and nothing selected: no rows',
    vql: "SELECT service_name, count(*) FROM metrics WHERE tags.route LIKE '/nowhere%' AND timestamp > now() - 1h GROUP BY service_name",
    expect: 'no rows',
  },
];

let dir: string;
let admin: ClickHouseClient | undefined;
let database: string | undefined;
let lite: SqliteStore;
let ch: ClickHouseStore;
const opened: Store[] = [];

beforeAll(async () => {
  clickHouseUrl();
  admin = adminClient();
  dir = mkdtempSync(join(tmpdir(), 'vantage-vql-parity-'));
  lite = new SqliteStore({ path: join(dir, 'vantage.db'), retention: FOREVER });
  opened.push(lite);
  database = freshDatabaseName('vantage_vql');
  ch = new ClickHouseStore({ url: clickHouseUrl(), database, retention: FOREVER });
  opened.push(ch);
  await ch.migrate();
  const aggregates = vqlDataset({ now: NOW });
  const batches = 8;
  const size = Math.ceil(aggregates.length / batches);
  for (let i = 0; i < batches; i++) {
    const batch = aggregates.slice(i * size, (i + 1) * size);
    const checkpoint = { source: 'kafka:metrics-raw', partition: i % 2, offset: i + 1 };
    await lite.write(batch, [checkpoint]);
    await ch.write(batch, [checkpoint]);
  }
}, 300_000);

afterAll(async () => {
  for (const s of opened.splice(0)) await s.close().catch(() => undefined);
  if (admin !== undefined) {
    if (database !== undefined) await dropDatabase(admin, database).catch(() => undefined);
    await admin.close();
  }
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

async function answer(store: Store, plan: LogicalPlan): Promise<VqlAnswer> {
  const { rows, sorted } = await store.queryVql(plan);
  return shapeVqlAnswer(plan, rows, sorted);
}

/** Equal answers, cell by cell; summed aggregates to RELATIVE_TOLERANCE (see SUMMED). */
function expectSameAnswer(plan: LogicalPlan, actual: VqlAnswer, expected: VqlAnswer, label: string): void {
  const summed = plan.output.map((c) => {
    const fn = plan.aggregates.find((a) => a.id === c.source.id)?.fn;
    return c.source.kind === 'aggregate' && fn !== undefined && SUMMED.has(fn);
  });
  expect(actual.columns, label).toEqual(expected.columns);
  expect(actual.rows.length, label).toBe(expected.rows.length);
  actual.rows.forEach((row, i) => {
    const other = expected.rows[i] ?? [];
    const same = row.every((cell, j) => {
      const want = other[j];
      if (summed[j] && typeof cell === 'number' && typeof want === 'number') {
        return Math.abs(cell - want) <= RELATIVE_TOLERANCE * Math.max(Math.abs(cell), Math.abs(want));
      }
      return Object.is(cell, want);
    });
    if (!same) {
      throw new Error(
        `${label}: row ${i} differs\nClickHouse: ${JSON.stringify(row)}\nSQLite:     ${JSON.stringify(other)}`,
      );
    }
  });
}

describe('VQL answers the same on SQLite and ClickHouse', () => {
  const tiersRead = new Set<string>();

  test.each(CASES)('$name', async (c) => {
    const plan = prepareVql(c.vql, { now: NOW, retention: FOREVER });
    tiersRead.add(plan.tier.name);
    const [fromClickHouse, fromSqlite] = await Promise.all([answer(ch, plan), answer(lite, plan)]);
    expectSameAnswer(plan, fromClickHouse, fromSqlite, c.name);
    const expectation = c.expect ?? 'rows';
    if (expectation === 'rows') {
      expect(
        fromSqlite.rows.some((r) => r.some((v) => v !== null)),
        'the query finds data',
      ).toBe(true);
    } else if (expectation === 'no rows') {
      expect(fromSqlite.rows).toEqual([]);
    } else {
      expect(fromSqlite.rows).toHaveLength(1);
      const counts = plan.output.map(
        (o) => plan.aggregates.find((a) => a.id === o.source.id)?.fn === 'count',
      );
      expect(fromSqlite.rows[0]).toEqual(counts.map((isCount) => (isCount ? 0 : null)));
    }
  });

  test('the cases read every tier', () => {
    expect([...tiersRead].sort()).toEqual(['1d', '1h', '1m', '5m']);
  });
});

describe('VQL on ClickHouse runs under the read limits and a deadline', () => {
  const everything = () =>
    prepareVql(
      `SELECT service_name, metric_name, tags.route, time_bucket(1m), ${ALL_AGGREGATES} FROM metrics WHERE timestamp >= now() - 3d GROUP BY service_name, metric_name, tags.route, time_bucket(1m) LIMIT 10000`,
      { now: NOW, retention: FOREVER },
    );

  test('a query past max_execution_time is stopped by the server: VTG_QUERY_TIMEOUT', async () => {
    const hurried = new ClickHouseStore({
      url: clickHouseUrl(),
      database,
      retention: FOREVER,
      queryLimits: { maxExecutionTimeSeconds: 0.001 },
    });
    opened.push(hurried);
    const err = await hurried.queryVql(everything()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VantageError);
    expect(err).toMatchObject({ code: 'VTG_QUERY_TIMEOUT', statusCode: 504 });
    // ClickHouse's own TIMEOUT_EXCEEDED, not the store's deadline.
    expect((err as Error).cause).toMatchObject({ code: '159', type: 'TIMEOUT_EXCEEDED' });
  });

  test('a server that never answers is given up at the deadline: VTG_QUERY_TIMEOUT', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const address = silent.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    const store = new ClickHouseStore({
      url: `http://127.0.0.1:${address.port}`,
      retention: FOREVER,
      queryLimits: { maxExecutionTimeSeconds: 0.2 },
    });
    try {
      const err = await store.queryVql(everything()).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'VTG_QUERY_TIMEOUT', statusCode: 504 });
      expect(sockets.length).toBeGreaterThan(0);
    } finally {
      await store.close();
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  test('max_result_rows applies to VQL: an answer over the cap is refused, not cut', async () => {
    const capped = new ClickHouseStore({
      url: clickHouseUrl(),
      database,
      retention: FOREVER,
      queryLimits: { maxResultRows: 5 },
    });
    opened.push(capped);
    const err = await capped.queryVql(everything()).catch((e: unknown) => e);
    // The server's TOO_MANY_ROWS_OR_BYTES, as the coded 422 of an answer over its limit.
    expect(err).toBeInstanceOf(VantageError);
    expect(err).toMatchObject({ code: 'VTG_QUERY_ANSWER_TOO_LARGE', statusCode: 422 });
    expect(String((err as Error).message)).toContain('more than 5 points');
  });
});
