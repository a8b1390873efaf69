import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MINUTE_MS, addSample, newAggregate } from '../src/core/index.js';
import type { Aggregate, MetricType, SeriesExemplars, TierRetention } from '../src/core/index.js';
import { ClickHouseStore, SqliteStore } from '../src/storage/index.js';
import type { ExemplarQuery, Store } from '../src/storage/index.js';
import { adminClient, clickHouseUrl, dropDatabase, freshDatabaseName } from './support/clickhouse.js';
import { testApiServer } from './support/test-api-server.js';

/**
 * Exemplars in ClickHouse: written with the data, deduplicated by the batch token like it, a few
 * per series-minute however many batches bring some, and answered as SqliteStore answers them.
 */
const T0 = Date.UTC(2024, 0, 1);
const FOREVER: TierRetention = { '1m': 1e13, '5m': 1e13, '1h': 1e13, '1d': 1e13 };
const trace = (n: number): string => n.toString(16).padStart(32, '0');

let admin: ClickHouseClient;
let dir: string;
const databases: string[] = [];
const opened: Store[] = [];

beforeAll(() => {
  clickHouseUrl();
  admin = adminClient();
  dir = mkdtempSync(join(tmpdir(), 'vantage-ch-exemplars-'));
});

afterAll(async () => {
  for (const s of opened.splice(0)) await s.close().catch(() => undefined);
  for (const db of databases) await dropDatabase(admin, db).catch(() => undefined);
  await admin.close();
  rmSync(dir, { recursive: true, force: true });
});

async function stores(): Promise<[ClickHouseStore, SqliteStore]> {
  const database = freshDatabaseName();
  databases.push(database);
  const ch = new ClickHouseStore({ url: clickHouseUrl(), database, retention: FOREVER });
  const lite = new SqliteStore({ path: join(dir, `${database}.db`), retention: FOREVER });
  opened.push(ch, lite);
  await ch.migrate();
  return [ch, lite];
}

function agg(type: MetricType, tags: string, minute: number): Aggregate {
  const a = newAggregate('checkout', 'latency_ms', type, tags, T0 + minute * MINUTE_MS);
  addSample(a, 1, a.start + 1);
  return a;
}

function group(type: MetricType, tags: string, minute: number, seconds: number[]): SeriesExemplars {
  const start = T0 + minute * MINUTE_MS;
  return {
    service: 'checkout',
    name: 'latency_ms',
    type,
    tags,
    start,
    exemplars: seconds.map((s) => ({
      timestamp: start + s * 1000,
      value: s + 0.25,
      traceId: trace(s),
      spanId: s % 2 === 0 ? '' : 'ab'.repeat(8),
    })),
  };
}

const ALL: ExemplarQuery = {
  service: 'checkout',
  metric: 'latency_ms',
  from: T0,
  to: T0 + 3_600_000,
  limit: 100,
  offset: 0,
};

describe('ClickHouseStore exemplars', () => {
  it('keeps them with the data, drops a replayed batch, keeps the latest few per series-minute, as SQLite does', async () => {
    const [ch, lite] = await stores();
    const a = '{"route":"/a"}';
    const b = '{"route":"/b"}';
    const batches: [Aggregate[], SeriesExemplars[]][] = [
      [
        [agg('gauge', a, 0), agg('counter', b, 1)],
        [group('gauge', a, 0, [10, 20, 30]), group('counter', b, 1, [5])],
      ],
      [[agg('gauge', a, 0)], [group('gauge', a, 0, [40, 1])]],
    ];
    for (const store of [ch, lite]) {
      for (const [i, [aggregates, exemplars]] of batches.entries()) {
        const checkpoint = [{ source: 'bus', partition: 0, offset: i }];
        await store.write(aggregates, checkpoint, [], exemplars);
        // The same batch again (a retry after a lost answer): same token, dropped.
        await store.write(aggregates, checkpoint, [], exemplars);
      }
    }
    const fromClickHouse = await ch.exemplars(ALL);
    expect(fromClickHouse.map((e) => [e.tags, e.timestamp - T0, e.value])).toEqual([
      [b, MINUTE_MS + 5000, 5.25],
      [a, 40_000, 40.25],
      [a, 30_000, 30.25],
      [a, 20_000, 20.25],
    ]);
    expect(fromClickHouse[0]).toMatchObject({ type: 'counter', traceId: trace(5), spanId: 'ab'.repeat(8) });
    expect(fromClickHouse[1]).toMatchObject({ type: 'gauge', traceId: trace(40), spanId: '' });
    expect(await lite.exemplars(ALL)).toEqual(fromClickHouse);
    for (const q of [
      { ...ALL, limit: 2, offset: 1 },
      { ...ALL, from: T0 + 20_000, to: T0 + 40_000 },
      { ...ALL, metric: 'other' },
    ])
      expect(await ch.exemplars(q)).toEqual(await lite.exemplars(q));
  });

  it('gives GET /metrics/timeseries?exemplars=true the same answers from both stores', async () => {
    const [ch, lite] = await stores();
    const tags = ['{"route":"/a","host":"h1"}', '{"route":"/a","host":"h2"}', '{"route":"/b","host":"h1"}'];
    const aggregates = tags.flatMap((t) => [0, 1, 2].map((m) => agg('gauge', t, m)));
    const exemplars = tags.flatMap((t, i) => [0, 1, 2].map((m) => group('gauge', t, m, [10 + i, 40 + i])));
    for (const store of [ch, lite])
      await store.write(aggregates, [{ source: 'bus', partition: 0, offset: 0 }], [], exemplars);
    const answers = async (store: Store): Promise<unknown[]> => {
      const app = await testApiServer({ store, clock: () => T0 + 3_600_000 });
      try {
        const out: unknown[] = [];
        for (const params of [
          `from=${T0}&group_by=route`,
          `from=${T0}&group_by=host&tags=route:/a`,
          `from=${T0}`,
          `from=${T0 + 60_000}&to=${T0 + 120_000}`,
        ]) {
          const res = await app.inject({
            method: 'GET',
            url: `/metrics/timeseries?service=checkout&metric=latency_ms&step=1m&exemplars=true&${params}`,
          });
          expect(res.statusCode).toBe(200);
          const body = res.json<{ series: { tags: Record<string, string>; exemplars: unknown[] }[] }>();
          out.push(
            body.series
              .map((s) => [s.tags, s.exemplars])
              .sort((x, y) => JSON.stringify(x[0]).localeCompare(JSON.stringify(y[0]))),
          );
        }
        return out;
      } finally {
        await app.close();
      }
    };
    const fromClickHouse = await answers(ch);
    // Per group: 3 minutes x 2 exemplars x its series; the last range holds one minute.
    const counts = fromClickHouse.map((a) => (a as [unknown, unknown[]][]).map(([t, e]) => [t, e.length]));
    expect(counts).toEqual([
      [
        [{ route: '/a' }, 12],
        [{ route: '/b' }, 6],
      ],
      [
        [{ host: 'h1' }, 6],
        [{ host: 'h2' }, 6],
      ],
      [[{}, 18]],
      [[{}, 6]],
    ]);
    expect(await answers(lite)).toEqual(fromClickHouse);
  });
});
