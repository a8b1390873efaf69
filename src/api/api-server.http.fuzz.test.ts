import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERRORS } from '../core/index.js';
import type { ErrorCode } from '../core/index.js';
import { SqliteStore } from '../storage/index.js';
import { FOREVER, streamWithoutFeed, testApiServer } from '../../test/support/test-api-server.js';

/**
 * Property-based fuzzing of the query API's HTTP surface through the real server (a real SQLite
 * store, the dashboard's files, the stream's routes): random methods, the API's paths with
 * mutated segments, query strings, headers (content types, encodings, Content-Length lies) and
 * bodies. Whatever comes in, the answer is never a 5xx, every 4xx carries a catalog code with its
 * status, and the server still answers /health afterwards.
 */
const RUNS = Math.round(400 * Number(process.env.FUZZ_SCALE ?? '1'));

const PATHS = [
  '/v1/services',
  '/v1/metrics',
  '/metrics/timeseries',
  '/v1/query',
  '/v1/compare',
  '/v1/health-scores',
  '/v1/health-scores/checkout',
  '/v1/stream',
  '/v1/stream/ticket',
  '/health',
  '/ready',
  '/live',
  '/openapi.json',
  '/',
  '/assets/index-abc123.js',
  '/assets/',
];

const NASTY_SEGMENTS = [
  '..',
  '%2e%2e',
  '%2e%2e%2f',
  '%00',
  '%zz',
  '%',
  '',
  '.',
  '~',
  'a'.repeat(300),
  '%C0%AE',
  ';',
  '*',
];
const PARAM_KEYS = [
  'service',
  'metric',
  'from',
  'to',
  'step',
  'agg',
  'group_by',
  'tags',
  'window',
  'a',
  'b',
  'ticket',
  'vql',
];
const PARAM_VALUES = [
  'now',
  '-1h',
  '60000',
  '0',
  '-1',
  '1e999',
  'NaN',
  'checkout',
  'p99',
  'avg',
  'x:y',
  '',
  '%zz',
  '2026-13-45T99:00:00Z',
];

const segment = fc.oneof(
  fc.constantFrom(...NASTY_SEGMENTS),
  fc.string({ maxLength: 12 }).map(encodeURIComponent),
);

/** One of the API's paths, as is or with a segment replaced, added or doubled. */
const path = fc
  .tuple(
    fc.constantFrom(...PATHS),
    fc.nat(5),
    segment,
    fc.constantFrom('replace', 'append', 'as-is', 'slash'),
  )
  .map(([base, at, seg, how]) => {
    const parts = base.split('/');
    if (how === 'replace') parts[1 + (at % Math.max(1, parts.length - 1))] = seg;
    else if (how === 'append') parts.push(seg);
    else if (how === 'slash') return `${base}/`;
    return parts.join('/') || '/';
  });

const query = fc
  .array(
    fc.tuple(
      fc.oneof(fc.constantFrom(...PARAM_KEYS), fc.string({ maxLength: 6 })),
      fc.oneof(fc.constantFrom(...PARAM_VALUES), fc.string({ maxLength: 20 })),
    ),
    { maxLength: 5 },
  )
  .map((pairs) =>
    pairs.length === 0
      ? ''
      : `?${pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')}`,
  );

const printable = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
  maxLength: 40,
});

const headers = fc.record(
  {
    'content-type': fc.oneof(
      fc.constantFrom(
        'application/json',
        'application/json; charset=utf-8',
        'text/plain',
        'text/xml',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'application/json; charset=utf-16',
        '',
      ),
      printable,
    ),
    'content-encoding': fc.constantFrom('gzip', 'br', 'identity', 'x-unknown'),
    authorization: fc.oneof(fc.constant('Bearer nope'), printable),
    'cache-control': fc.constantFrom('no-cache', 'max-age=0'),
    'x-lie': fc.constant('content-length'),
  },
  { requiredKeys: [] },
);

const body = fc.oneof(
  fc.constant(undefined),
  fc.constant(''),
  fc.string({ maxLength: 200 }),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 200 }).map((vql) => JSON.stringify({ vql })),
  fc.constantFrom(
    JSON.stringify({
      vql: "SELECT avg(value) FROM metrics WHERE service_name = 'checkout' AND timestamp > now() - INTERVAL 1 HOUR",
    }),
    '{"vql": ',
    'x'.repeat(1_100_000),
  ),
);

let dir: string;
let store: SqliteStore;
let app: FastifyInstance;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vantage-api-fuzz-'));
  mkdirSync(join(dir, 'web', 'assets'), { recursive: true });
  writeFileSync(join(dir, 'web', 'index.html'), '<!doctype html><title>Vantage</title>');
  writeFileSync(join(dir, 'web', 'assets', 'index-abc123.js'), 'console.log(1)');
  store = new SqliteStore({ path: join(dir, 'v.db'), retention: FOREVER });
  app = await testApiServer({
    store,
    dashboardDir: join(dir, 'web'),
    stream: streamWithoutFeed(3),
  });
});

afterAll(async () => {
  await app.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the query API under random requests', () => {
  it('never answers 5xx, codes every 4xx, and keeps serving', async () => {
    const methods = fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS' as const);
    await fc.assert(
      fc.asyncProperty(
        methods,
        path,
        query,
        headers,
        body,
        fc.integer({ min: -5, max: 5 }),
        async (method, p, q, h, payload, lie) => {
          const { 'x-lie': lies, ...sent } = h;
          const requestHeaders: Record<string, string> = { ...sent };
          if (lies !== undefined && payload !== undefined)
            requestHeaders['content-length'] = String(Math.max(0, Buffer.byteLength(payload) + lie));
          const res = await app.inject({
            method,
            url: `${p}${q}`,
            headers: requestHeaders,
            ...(payload === undefined ? {} : { payload }),
          });
          const where = `${method} ${p}${q} ${JSON.stringify(requestHeaders)} -> ${res.statusCode} ${res.body.slice(0, 200)}`;
          expect(res.statusCode, where).toBeLessThan(500);
          if (res.statusCode >= 400 && method !== 'HEAD') {
            const code = (res.json() as { error?: { code?: string } }).error?.code as ErrorCode | undefined;
            expect(code, where).toBeDefined();
            expect(ERRORS[code as ErrorCode]?.status, where).toBe(res.statusCode);
          }
        },
      ),
      { numRuns: RUNS },
    );
    expect((await app.inject({ url: '/health' })).statusCode).toBe(200);
  });
});
