import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyVerifier } from '../http/index.js';
import { EMPTY_STORE, testApiServer } from '../../test/support/test-api-server.js';

/**
 * The dashboard's routes through the real server, on a build of two files: the page and its
 * hashed assets are open even with API keys on, the app's own addresses get the page, and API
 * paths keep their JSON errors.
 */
const KEY = 'unit-test-key-long-enough-for-the-start-up-check';
let dir: string;
let app: FastifyInstance;

/** A store the dashboard routes never reach (our own interface; the API's data routes are not under test). */

async function build(dashboardDir: string, keys: string[]): Promise<FastifyInstance> {
  return testApiServer({ store: EMPTY_STORE, apiKeys: new ApiKeyVerifier(keys), dashboardDir });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vantage-dashboard-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Vantage</title>');
  writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
  app = await build(dir, [KEY]);
});

afterAll(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('dashboard routes', () => {
  it('serves the page, without a key, for / and the app’s own addresses, never cached', async () => {
    for (const url of ['/', '/services/checkout', '/explore?q=SELECT%201']) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.body).toContain('<title>Vantage</title>');
    }
  });

  it('serves hashed assets as immutable, without a key', async () => {
    const res = await app.inject({ url: '/assets/index-abc123.js' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect((await app.inject({ url: '/assets/missing.js' })).statusCode).toBe(404);
  });

  it('keeps API paths the API’s: a key is still required and unknown ones are JSON 404s', async () => {
    const unauthorized = await app.inject({ url: '/v1/services' });
    expect(unauthorized.statusCode).toBe(401);
    expect(unauthorized.json()).toMatchObject({ error: { code: 'VTG_AUTH_MISSING_KEY' } });
    const ok = await app.inject({ url: '/v1/services', headers: { authorization: `Bearer ${KEY}` } });
    expect(ok.statusCode).toBe(200);
    for (const url of ['/v1/no-such-route', '/metrics/nothing', '/v1']) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(404);
      expect(res.json()).toMatchObject({ error: { code: 'VTG_HTTP_NOT_FOUND' } });
    }
    // Other methods are never the dashboard's: they need a key like any API call.
    expect((await app.inject({ method: 'POST', url: '/' })).statusCode).toBe(401);
  });

  it('serves no dashboard when there is no build', async () => {
    const bare = await build(join(dir, 'not-built'), []);
    try {
      const res = await bare.inject({ url: '/' });
      expect(res.statusCode).toBe(404);
      expect(res.json()).toMatchObject({ error: { code: 'VTG_HTTP_NOT_FOUND' } });
    } finally {
      await bare.close();
    }
  });
});
