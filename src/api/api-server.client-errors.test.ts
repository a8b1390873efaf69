import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERRORS } from '../core/index.js';
import { rawExchange } from '../../test/support/raw-http.js';
import { EMPTY_STORE, streamWithoutFeed, testApiServer } from '../../test/support/test-api-server.js';

/**
 * A client's mistakes are 4xx with a code from the catalog, never 500: bodies the framework
 * refuses, paths the dashboard's file server refuses, and what Node's HTTP parser refuses before
 * any route runs (checked on a real port, where nothing normalizes the request first).
 */

let dir: string;
let app: FastifyInstance;
let port: number;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vantage-client-errors-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Vantage</title>');
  writeFileSync(join(dir, 'secret.txt'), 'outside the assets');
  writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
  app = await testApiServer({
    store: EMPTY_STORE,
    dashboardDir: dir,
    stream: streamWithoutFeed(),
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  port = (app.server.address() as AddressInfo).port;
});

afterAll(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

function expectCoded(status: number, body: string, code: keyof typeof ERRORS): void {
  expect(status, body).toBe(ERRORS[code].status);
  const parsed = JSON.parse(body) as { error: { code: string; message: string } };
  expect(parsed.error.code).toBe(code);
  expect(parsed.error.message.length).toBeGreaterThan(0);
}

describe('the query API answers bodies it cannot read with coded 4xx', () => {
  const json = { 'content-type': 'application/json' };
  it.each([
    ['an empty JSON body', '/v1/query', json, '', 'VTG_HTTP_MALFORMED_BODY'],
    ['a body that is not JSON', '/v1/query', json, '{"vql": ', 'VTG_HTTP_MALFORMED_BODY'],
    [
      'a body over 1 MiB',
      '/v1/query',
      json,
      JSON.stringify({ vql: 'x'.repeat(1_100_000) }),
      'VTG_HTTP_BODY_TOO_LARGE',
    ],
    [
      'a body that is not JSON by its type',
      '/v1/query',
      { 'content-type': 'text/xml' },
      '<q/>',
      'VTG_HTTP_UNSUPPORTED_MEDIA_TYPE',
    ],
    [
      'a ticket request with a JSON type and no body',
      '/v1/stream/ticket',
      json,
      undefined,
      'VTG_HTTP_MALFORMED_BODY',
    ],
  ] as const)('%s', async (_what, url, headers, payload, code) => {
    const res = await app.inject({
      method: 'POST',
      url,
      headers,
      ...(payload === undefined ? {} : { payload }),
    });
    expectCoded(res.statusCode, res.body, code);
  });
});

describe("the dashboard's files", () => {
  it.each([
    ['/assets/', '/assets/'],
    ['/assets/../index.html', '/assets/../index.html'],
    ['/assets/../secret.txt', '/assets/../secret.txt'],
    ['/assets/%2e%2e/secret.txt', '/assets/%2e%2e/secret.txt'],
    ['/assets/%2e%2e%2fsecret.txt', '/assets/%2e%2e%2fsecret.txt'],
    ['/assets/..%2fsecret.txt', '/assets/..%2fsecret.txt'],
    ['a 5,000-character name', `/assets/${'a'.repeat(5_000)}.js`],
    ['/assets/index-abc123.js%00', '/assets/index-abc123.js%00'],
    ['/assets/%00', '/assets/%00'],
    ['/assets//etc/passwd', '/assets//etc/passwd'],
  ])('answer a coded 404 to %s, never a file outside the assets', async (_what, path) => {
    const res = await rawExchange(port, `GET ${path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n`);
    expectCoded(res.status ?? 0, res.body, 'VTG_HTTP_NOT_FOUND');
  });

  it('answer the page, not a file, to paths outside /assets/ however they are spelled', async () => {
    for (const path of ['/%2e%2e', '/%2e%2e%2f', '/..%2fsecret.txt', '/a%00', `/${'b'.repeat(5_000)}`]) {
      const res = await rawExchange(port, `GET ${path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n`);
      expect(res.status, path).toBe(200);
      expect(res.body, path).toContain('<title>Vantage</title>');
    }
  });
});

describe("Node's and Fastify's refusals before any route", () => {
  it('answer a request that is not HTTP with a coded 400 and close', async () => {
    const res = await rawExchange(port, 'HELLO THERE\r\n\r\n');
    expectCoded(res.status ?? 0, res.body, 'VTG_HTTP_BAD_REQUEST');
  });

  it('answer headers over 16 KiB with a coded 431', async () => {
    const res = await rawExchange(
      port,
      `GET /health HTTP/1.1\r\nHost: test\r\nX-Big: ${'x'.repeat(20_000)}\r\n\r\n`,
    );
    expectCoded(res.status ?? 0, res.body, 'VTG_HTTP_HEADERS_TOO_LARGE');
  });

  it('answer a URL that does not decode with a coded 400', async () => {
    const res = await rawExchange(
      port,
      'GET /v1/services/% HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n',
    );
    expectCoded(res.status ?? 0, res.body, 'VTG_HTTP_INVALID_URL');
  });

  it('answer a path parameter over 100 characters with a coded 404', async () => {
    const res = await app.inject({ url: `/v1/health-scores/${'s'.repeat(200)}` });
    expectCoded(res.statusCode, res.body, 'VTG_HTTP_NOT_FOUND');
  });

  it('keep serving afterwards', async () => {
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
  });
});
