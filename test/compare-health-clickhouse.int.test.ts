/**
 * /v1/compare and /v1/health-scores answer the same on ClickHouse as on SQLite: one query API over
 * a ClickHouseStore (a fresh database on the real engine), one over a SqliteStore, the same
 * aggregates written to both, every answer compared whole.
 *
 *   eval "$(bash scripts/services.sh env)"; export KAFKA_BROKERS CLICKHOUSE_URL
 *   npx vitest run --project integration test/compare-health-clickhouse.int.test.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApiServer, createApiMetrics } from '../src/api/index.js';
import { MINUTE_MS, addSample, canonicalTags, newAggregate } from '../src/core/index.js';
import type { Aggregate, MetricType, Tags } from '../src/core/index.js';
import { ApiKeyVerifier } from '../src/http/index.js';
import { ClickHouseStore, SqliteStore } from '../src/storage/index.js';
import type { Store } from '../src/storage/index.js';
import { adminClient, clickHouseUrl, dropDatabase, freshDatabaseName } from './support/clickhouse.js';
import { seededRandom } from './support/fixtures.js';
import { TEST_HTTP_SETTINGS } from './support/http-settings.js';

const FOREVER = { '1m': 1e13, '5m': 1e13, '1h': 1e13, '1d': 1e13 };
// A few seconds into a minute, five hours of history before it.
const NOW = Date.UTC(2026, 0, 5, 12, 7, 20);
const HISTORY_FROM = Date.UTC(2026, 0, 5, 7, 0);
const DEGRADED_FROM = Date.UTC(2026, 0, 5, 11, 58);

let dir: string;
let admin: ClickHouseClient;
let database: string;
const stores: Store[] = [];
const apis: FastifyInstance[] = [];
let sqliteApi: FastifyInstance;
let clickHouseApi: FastifyInstance;
let written: Aggregate[];

/**
 * Minute aggregates with integer values (sums exact in any order, so both stores must agree to
 * the last bit): per-request latencies, request and error counters, for services and versions.
 */
function aggregates(): Aggregate[] {
  const random = seededRandom(21);
  const out: Aggregate[] = [];
  const minute = (
    service: string,
    name: string,
    type: MetricType,
    tags: Tags,
    start: number,
    values: number[],
  ) => {
    const a = newAggregate(service, name, type, canonicalTags(tags), start);
    values.forEach((v, i) => addSample(a, v, start + i * 997));
    out.push(a);
  };
  for (let start = HISTORY_FROM; start < Date.UTC(2026, 0, 5, 12, 8); start += MINUTE_MS) {
    const degraded = start >= DEGRADED_FROM;
    for (const [service, median] of [
      ['checkout', 100],
      ['payments', 180],
    ] as const) {
      for (const version of ['v1', 'v2']) {
        const slow = (version === 'v2' ? 1.3 : 1) * (degraded && service === 'payments' ? 3 : 1);
        const n = 20 + Math.floor(random() * 20);
        const latencies = Array.from({ length: n }, () =>
          Math.round(median * slow * (0.5 + random() ** 2 * 1.5)),
        );
        const tags = { version, route: '/x' };
        minute(service, 'http_request_duration_ms', 'gauge', tags, start, latencies);
        minute(service, 'http_requests_total', 'counter', tags, start, [n]);
        const failed = degraded && service === 'payments' ? Math.floor(n / 5) : Math.floor(random() * 1.3);
        minute(service, 'http_errors_total', 'counter', tags, start, [failed]);
      }
    }
    minute('host:db-1', 'cpu_percent', 'gauge', {}, start, [Math.round(random() * 100)]);
  }
  return out;
}

async function api(store: Store): Promise<FastifyInstance> {
  const app = await buildApiServer({
    logger: pino({ level: 'silent' }),
    store,
    metrics: createApiMetrics(new Registry()),
    apiKeys: new ApiKeyVerifier([]),
    retention: FOREVER,
    maxPointsPerSeries: 11_000,
    readiness: {},
    http: TEST_HTTP_SETTINGS,
    clock: () => NOW,
  });
  apis.push(app);
  return app;
}

beforeAll(async () => {
  clickHouseUrl();
  admin = adminClient();
  dir = mkdtempSync(join(tmpdir(), 'vantage-compare-ch-'));
  database = freshDatabaseName();
  const clickHouse = new ClickHouseStore({ url: clickHouseUrl(), database, retention: FOREVER });
  stores.push(clickHouse);
  await clickHouse.migrate();
  const sqlite = new SqliteStore({ path: join(dir, 'v.db'), retention: FOREVER });
  stores.push(sqlite);
  written = aggregates();
  await Promise.all([clickHouse.write(written, []), sqlite.write(written, [])]);
  sqliteApi = await api(sqlite);
  clickHouseApi = await api(clickHouse);
});

afterAll(async () => {
  for (const app of apis) await app.close();
  for (const store of stores) await store.close().catch(() => undefined);
  if (admin !== undefined) {
    await dropDatabase(admin, database).catch(() => undefined);
    await admin.close();
  }
  rmSync(dir, { recursive: true, force: true });
});

/** The same GET on both APIs: both must answer 200 with the same body. */
async function sameOnBoth(url: string): Promise<unknown> {
  const [fromSqlite, fromClickHouse] = await Promise.all(
    [sqliteApi, clickHouseApi].map(async (app) => {
      const res = await app.inject({ method: 'GET', url });
      return { status: res.statusCode, body: res.json() as unknown };
    }),
  );
  expect(fromSqlite?.status, url).toBe(200);
  expect(fromClickHouse).toEqual(fromSqlite);
  return fromSqlite?.body;
}

describe('compare and health scores on ClickHouse and SQLite', () => {
  it.each([
    '/v1/compare?metric=http_request_duration_ms&a=service:checkout&b=service:payments&from=-2h&to=now',
    '/v1/compare?metric=http_request_duration_ms&service=checkout&a=version:v1&b=version:v2&from=-3h&to=now&step=5m',
    '/v1/compare?metric=http_request_duration_ms&service=payments&a=version:v1&b=version:v2&from=-5h&to=-1h&step=1h',
    '/v1/compare?metric=http_requests_total&service=payments&a=version:v1&b=version:v2&from=-90m&to=now&step=2m',
    '/v1/compare?metric=http_request_duration_ms&a=service:checkout&b=service:nobody&from=-1h&to=now',
  ])('%s', async (url) => {
    const body = (await sameOnBoth(url)) as { a: { count: number } };
    expect(body.a.count).toBeGreaterThan(0);
  });

  it('gives the same health scores, payments worst', async () => {
    const body = (await sameOnBoth('/v1/health-scores')) as {
      services: { service: string; status: string; reasons: string[] }[];
    };
    expect(body.services.map((s) => [s.service, s.status])).toEqual([
      ['payments', 'critical'],
      ['checkout', 'healthy'],
      ['host:db-1', 'unknown'],
    ]);
    expect(body.services[0]?.reasons.join('\n')).toMatch(/p99 latency .*x its 24h baseline/);
    // Five hours of history: the baseline's first minute is found in the hourly tier, then refined.
    const one = (await sameOnBoth('/v1/health-scores/checkout?window=1h')) as {
      services: { inputs: { throughput: { baseline: number } } }[];
    };
    const windowFrom = Date.UTC(2026, 0, 5, 11, 7);
    const requests = written
      .filter((a) => a.service === 'checkout' && a.name === 'http_requests_total' && a.start < windowFrom)
      .reduce((sum, a) => sum + a.sum, 0);
    expect(one.services[0]?.inputs.throughput.baseline).toBeCloseTo(
      requests / ((windowFrom - HISTORY_FROM) / 1000),
      12,
    );
  });
});
