import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeriesExemplars } from '../core/index.js';
import { SqliteStore } from '../storage/index.js';
import { FOREVER, testApiServer } from '../../test/support/test-api-server.js';

/** GET /v1/exemplars through the real server over a real SQLite store. */
const NOW = Date.UTC(2026, 0, 5, 12, 7, 30);
const MINUTE = 60_000;
const trace = (n: number): string => n.toString(16).padStart(32, '0');

interface Answer {
  service: string;
  metric: string;
  exemplars: {
    tags: Record<string, string>;
    type: string;
    time: number;
    value: number;
    traceId: string;
    spanId: string;
  }[];
  next: number | null;
}

let dir: string;
let store: SqliteStore;
let app: FastifyInstance;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vantage-exemplar-routes-'));
  store = new SqliteStore({ path: join(dir, 'v.db'), retention: FOREVER });
  const groups: SeriesExemplars[] = [];
  // Minutes 1..5 before now, one series per route, one exemplar each: value = minutes ago.
  for (let ago = 1; ago <= 5; ago++) {
    const start = NOW - (NOW % MINUTE) - ago * MINUTE;
    groups.push({
      service: 'checkout',
      name: 'latency_ms',
      type: 'gauge',
      tags: JSON.stringify({ route: `/r${ago}` }),
      start,
      exemplars: [{ timestamp: start + 10, value: ago, traceId: trace(ago), spanId: 'ab' }],
    });
  }
  await store.write([], [], [], groups);
  app = await testApiServer({ store, clock: () => NOW });
});

afterAll(async () => {
  await app.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function get(
  url: string,
): Promise<{ status: number; body: Answer & { error?: { code: string; field?: string } } }> {
  const res = await app.inject({ method: 'GET', url });
  return { status: res.statusCode, body: res.json() };
}

describe('GET /v1/exemplars', () => {
  it("answers a metric's exemplars newest first with their series' tags, a page at a time", async () => {
    const first = await get('/v1/exemplars?service=checkout&metric=latency_ms&limit=2');
    expect(first.status).toBe(200);
    expect(first.body.exemplars).toEqual([
      {
        tags: { route: '/r1' },
        type: 'gauge',
        time: NOW - (NOW % MINUTE) - MINUTE + 10,
        value: 1,
        traceId: trace(1),
        spanId: 'ab',
      },
      {
        tags: { route: '/r2' },
        type: 'gauge',
        time: NOW - (NOW % MINUTE) - 2 * MINUTE + 10,
        value: 2,
        traceId: trace(2),
        spanId: 'ab',
      },
    ]);
    expect(first.body.next).toBe(2);
    const values: number[] = [];
    let url: string | undefined = '/v1/exemplars?service=checkout&metric=latency_ms&limit=2';
    while (url !== undefined) {
      const page = await get(url);
      values.push(...page.body.exemplars.map((e) => e.value));
      url =
        page.body.next === null
          ? undefined
          : `/v1/exemplars?service=checkout&metric=latency_ms&limit=2&offset=${page.body.next}`;
    }
    expect(values).toEqual([1, 2, 3, 4, 5]);
  });

  it('reads only the range asked for: from inclusive, to exclusive', async () => {
    const at = (ago: number): number => NOW - (NOW % MINUTE) - ago * MINUTE + 10;
    const { body } = await get(`/v1/exemplars?service=checkout&metric=latency_ms&from=${at(3)}&to=${at(1)}`);
    expect(body.exemplars.map((e) => e.value)).toEqual([2, 3]);
    const relative = await get('/v1/exemplars?service=checkout&metric=latency_ms&from=-4m&to=-3m');
    expect(relative.body.exemplars.map((e) => e.value)).toEqual([3]);
    const none = await get('/v1/exemplars?service=checkout&metric=other');
    expect(none.body).toEqual({ service: 'checkout', metric: 'other', exemplars: [], next: null });
  });

  it.each([
    ['/v1/exemplars?metric=latency_ms', 'VTG_QUERY_INVALID_PARAMETER', 'service'],
    ['/v1/exemplars?service=checkout', 'VTG_QUERY_INVALID_PARAMETER', 'metric'],
    ['/v1/exemplars?service=checkout&metric=m&limit=1001', 'VTG_QUERY_INVALID_PARAMETER', 'limit'],
    ['/v1/exemplars?service=checkout&metric=m&from=yesterday', 'VTG_QUERY_INVALID_TIME', 'from'],
    ['/v1/exemplars?service=checkout&metric=m&from=-1m&to=-2m', 'VTG_QUERY_INVALID_RANGE', 'from'],
  ])('refuses %s with a coded 400 naming the field', async (url, code, field) => {
    const { status, body } = await get(url);
    expect(status).toBe(400);
    expect(body.error).toMatchObject({ code, field });
  });
});
