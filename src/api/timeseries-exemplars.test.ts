import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addSample, newAggregate } from '../core/index.js';
import type { Aggregate, SeriesExemplars, TimeseriesResponse } from '../core/index.js';
import { SqliteStore } from '../storage/index.js';
import { FOREVER, testApiServer } from '../../test/support/test-api-server.js';
import { MAX_TIMESERIES_EXEMPLARS } from './timeseries-exemplars.js';

/** GET /metrics/timeseries?exemplars=true through the real server over a real SQLite store. */
const MINUTE = 60_000;
const NOW = Date.UTC(2026, 0, 5, 12, 7, 30);
const HOUR_AGO = Date.UTC(2026, 0, 5, 11, 7);
const trace = (n: number): string => n.toString(16).padStart(32, '0');
const SERIES = [
  { route: '/a', host: 'h1' },
  { route: '/a', host: 'h2' },
  { route: '/b', host: 'h1' },
];
/** The exemplar value of series i in minute m: which series and minute a dot came from. */
const valueOf = (i: number, minute: number): number => 100 * (i + 1) + minute;
const at = (minute: number): number => HOUR_AGO + minute * MINUTE;

let dir: string;
let store: SqliteStore;
let app: FastifyInstance;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vantage-timeseries-exemplars-'));
  store = new SqliteStore({ path: join(dir, 'v.db'), retention: FOREVER });
  const aggregates: Aggregate[] = [];
  const groups: SeriesExemplars[] = [];
  // Minutes 0..9 of the hour before now: a sample and an exemplar per series-minute.
  for (let minute = 0; minute < 10; minute++) {
    for (const [i, tags] of SERIES.entries()) {
      const a = newAggregate('checkout', 'latency_ms', 'gauge', JSON.stringify(tags), at(minute));
      addSample(a, 1, a.start + 1);
      aggregates.push(a);
      groups.push({
        service: 'checkout',
        name: 'latency_ms',
        type: 'gauge',
        tags: JSON.stringify(tags),
        start: at(minute),
        exemplars: [
          {
            timestamp: at(minute) + 1000 * (i + 1),
            value: valueOf(i, minute),
            traceId: trace(i),
            spanId: 'ab',
          },
        ],
      });
    }
  }
  // A busy metric: 3 exemplars in each of 400 minutes, more than one answer takes.
  for (let minute = 0; minute < 400; minute++) {
    const start = NOW - (NOW % MINUTE) - 400 * MINUTE + minute * MINUTE;
    const a = newAggregate('checkout', 'busy', 'gauge', '{}', start);
    addSample(a, 1, start + 1);
    aggregates.push(a);
    groups.push({
      service: 'checkout',
      name: 'busy',
      type: 'gauge',
      tags: '{}',
      start,
      exemplars: [1, 2, 3].map((s) => ({
        timestamp: start + s * 1000,
        value: s,
        traceId: trace(s),
        spanId: '',
      })),
    });
  }
  await store.write(aggregates, [], [], groups);
  app = await testApiServer({
    store,
    clock: () => NOW,
    queryCache: { maxBytes: 1 << 20, ttlMs: 60_000, liveTtlMs: 5_000 },
  });
});

afterAll(async () => {
  await app.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function get(params: Record<string, string>): Promise<{ cache: string; body: TimeseriesResponse }> {
  const query = new URLSearchParams({
    service: 'checkout',
    metric: 'latency_ms',
    from: '-1h',
    step: '1m',
    ...params,
  });
  const res = await app.inject({ method: 'GET', url: `/metrics/timeseries?${query.toString()}` });
  expect(res.statusCode).toBe(200);
  return { cache: String(res.headers['x-vantage-cache']), body: res.json<TimeseriesResponse>() };
}

const values = (s: TimeseriesResponse['series'][number] | undefined): number[] =>
  (s?.exemplars ?? []).map((e) => e.value);
/** Series i's values over the minutes given, newest first as the answer gives them. */
const newestFirst = (is: number[], minutes: number[]): number[] =>
  minutes
    .flatMap((m) => is.map((i) => ({ t: at(m) + 1000 * (i + 1), v: valueOf(i, m) })))
    .sort((x, y) => y.t - x.t)
    .map((x) => x.v);
const ALL_MINUTES = [...Array(10).keys()];

describe('GET /metrics/timeseries?exemplars=true', () => {
  it('gives each series the exemplars of the series in it, newest first, with their trace and span ids', async () => {
    const { body } = await get({ exemplars: 'true', group_by: 'route' });
    const byRoute = new Map(body.series.map((s) => [s.tags.route, s]));
    expect([...byRoute.keys()].sort()).toEqual(['/a', '/b']);
    expect(values(byRoute.get('/a'))).toEqual(newestFirst([0, 1], ALL_MINUTES));
    expect(values(byRoute.get('/b'))).toEqual(newestFirst([2], ALL_MINUTES));
    expect(byRoute.get('/b')?.exemplars?.[0]).toEqual({
      timestamp: at(9) + 3000,
      value: valueOf(2, 9),
      traceId: trace(2),
      spanId: 'ab',
    });
    expect(body.query.exemplarsTruncated).toBe(false);
  });

  it('keeps to the tag filters, one merged series without group_by, and the range asked', async () => {
    const filtered = await get({ exemplars: 'true', tags: 'host:h2', group_by: 'route' });
    expect(filtered.body.series.map((s) => [s.tags, values(s)])).toEqual([
      [{ route: '/a' }, newestFirst([1], ALL_MINUTES)],
    ]);
    const merged = await get({ exemplars: 'true' });
    expect(merged.body.series).toHaveLength(1);
    expect(values(merged.body.series[0])).toEqual(newestFirst([0, 1, 2], ALL_MINUTES));
    const window = await get({ exemplars: 'true', from: String(at(3)), to: String(at(5)) });
    expect(values(window.body.series[0])).toEqual(newestFirst([0, 1, 2], [3, 4]));
  });

  it('leaves exemplars out without the flag, and caches the two answers apart', async () => {
    const params = { from: String(at(0)), to: String(at(10)), group_by: 'host' };
    const plain = await get(params);
    expect(plain.body.series.length).toBe(2);
    expect(plain.body.series.every((s) => s.exemplars === undefined)).toBe(true);
    expect(plain.body.query.exemplarsTruncated).toBeUndefined();
    expect((await get(params)).cache).toBe('hit');
    const withExemplars = await get({ ...params, exemplars: 'true' });
    expect(withExemplars.cache).toBe('miss');
    const h2 = withExemplars.body.series.find((s) => s.tags.host === 'h2');
    expect(values(h2)).toEqual(newestFirst([1], ALL_MINUTES));
    const again = await get({ ...params, exemplars: 'true' });
    expect(again.cache).toBe('hit');
    expect(again.body).toEqual(withExemplars.body);
  });

  it(`carries at most ${MAX_TIMESERIES_EXEMPLARS} in one answer, the newest, and says the rest were left out`, async () => {
    const { body } = await get({ metric: 'busy', from: '-7h', step: '5m', exemplars: 'true' });
    const list = body.series[0]?.exemplars ?? [];
    expect(list).toHaveLength(MAX_TIMESERIES_EXEMPLARS);
    expect(body.query.exemplarsTruncated).toBe(true);
    const times = list.map((e) => e.timestamp);
    expect(times).toEqual([...times].sort((x, y) => y - x));
    expect(times[0]).toBe(NOW - (NOW % MINUTE) - MINUTE + 3000);
  });

  it('refuses a flag that is not a boolean with a coded 400 naming it', async () => {
    const res = await app.inject({
      method: 'GET',
      url: '/metrics/timeseries?service=checkout&metric=latency_ms&exemplars=maybe',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { code: 'VTG_QUERY_INVALID_PARAMETER', field: 'exemplars' } });
  });

  it('is described in /openapi.json: the flag, and the exemplars of each series in the answer', async () => {
    const res = await app.inject({ method: 'GET', url: '/openapi.json' });
    const get = res.json<{
      paths: Record<
        string,
        {
          get: {
            parameters: { name: string; schema: { type: string } }[];
            responses: Record<string, unknown>;
          };
        }
      >;
    }>().paths['/metrics/timeseries']?.get;
    expect(get?.parameters.find((p) => p.name === 'exemplars')?.schema.type).toBe('boolean');
    const answer = JSON.stringify(get?.responses['200']);
    for (const field of ['exemplars', 'traceId', 'spanId', 'exemplarsTruncated'])
      expect(answer).toContain(`"${field}"`);
  });
});
