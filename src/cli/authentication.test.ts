import { afterEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import { parseConfig } from '../config/index.js';
import type { BusProducer } from '../bus/index.js';
import type { Store } from '../storage/index.js';
import { buildApiServer, createApiMetrics } from '../api/index.js';
import { buildMetricsServer, generateApiKey } from '../http/index.js';
import { createRoleRegistry } from '../telemetry/index.js';
import { buildCollectorApp } from './collector-app.js';
import { ProcessAuth } from './process-auth.js';
import { TEST_HTTP_SETTINGS } from '../../test/support/http-settings.js';

/**
 * Authentication as a process wires it: the collector and the query API of one process share
 * one failed-attempt throttle, and /metrics on every port takes the scrape token. Real Fastify
 * servers through inject(), each request from the address it names.
 */
const KEY = 'api-key-for-the-authentication-test-0123456789';
const TOKEN = 'scrape-token-for-the-authentication-test-0123';
const logger = pino({ level: 'silent' });
const servers: FastifyInstance[] = [];

afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

class KeepingProducer implements BusProducer {
  published = 0;
  async publish(): Promise<void> {
    this.published++;
  }
  async close(): Promise<void> {}
}

const store: Store = {
  kind: 'fake',
  services: async () => [],
  stats: async () => ({ series: 0, bytesOnDisk: 0 }),
  write: unused,
  deadLetters: unused,
  exemplars: unused,
  checkpoints: unused,
  metrics: unused,
  queryBuckets: unused,
  queryVql: unused,
  applyRetention: unused,
  close: async () => undefined,
};

async function unused(): Promise<never> {
  throw new Error('unused');
}

async function embeddedServers(settings: { apiKeys?: string; metricsToken?: string }) {
  const config = parseConfig(settings);
  const auth = new ProcessAuth(config);
  const { app: collector, publisher } = await buildCollectorApp(
    config,
    new KeepingProducer(),
    new KeepingProducer(),
    'embedded',
    logger,
    {},
    auth,
    { unit: 'bytes', positions: async () => [], close: async () => undefined },
  );
  const apiRegistry = createRoleRegistry('api', { processMetrics: false });
  const api = await buildApiServer({
    logger,
    store,
    metrics: createApiMetrics(apiRegistry),
    apiKeys: auth.apiKeys(apiRegistry),
    retention: { '1m': 1e12, '5m': 1e12, '1h': 1e12, '1d': 1e12 },
    maxPointsPerSeries: 100,
    readiness: {},
    http: TEST_HTTP_SETTINGS,
  });
  const apiMetrics = await buildMetricsServer(apiRegistry, TEST_HTTP_SETTINGS, {
    auth: auth.metrics(apiRegistry),
  });
  servers.push(collector, api, apiMetrics);
  const close = publisher.close.bind(publisher);
  servers.push({ close } as unknown as FastifyInstance);
  return { collector, api, apiMetrics, auth };
}

const ingest = (app: FastifyInstance, from: string, key: string) =>
  app.inject({
    method: 'POST',
    url: '/v1/metrics',
    remoteAddress: from,
    headers: { authorization: `Bearer ${key}` },
    payload: { metrics: [{ service: 'checkout', name: 'latency_ms', value: 1, timestamp: Date.now() }] },
  });

describe('failed authentications', () => {
  it('get 401 until the burst is spent, then a coded 429 before any key is compared', async () => {
    const { collector, api } = await embeddedServers({ apiKeys: KEY, metricsToken: TOKEN });
    const attacker = '198.51.100.7';
    const statuses: number[] = [];
    for (let i = 0; i < 50; i++) {
      const res = await ingest(collector, attacker, `wrong-key-${i}`);
      statuses.push(res.statusCode);
      if (res.statusCode === 429) {
        expect(res.json()).toMatchObject({ error: { code: 'VTG_AUTH_THROTTLED', field: 'authorization' } });
        expect(res.headers['retry-after']).toBe('6');
      } else expect(res.json()).toMatchObject({ error: { code: 'VTG_AUTH_INVALID_KEY' } });
    }
    // 10 per minute by default: 10 attempts reached the key check, 40 did not.
    expect(statuses).toEqual([...Array<number>(10).fill(401), ...Array<number>(40).fill(429)]);

    // The right key from the throttled address learns nothing either, on either server...
    expect((await ingest(collector, attacker, KEY)).statusCode).toBe(429);
    const apiRes = await api.inject({
      url: '/v1/services',
      remoteAddress: attacker,
      headers: { authorization: `Bearer ${KEY}` },
    });
    expect(apiRes.statusCode).toBe(429);
    expect(apiRes.json()).toMatchObject({ error: { code: 'VTG_AUTH_THROTTLED' } });
    // ...while another client with the right key is served.
    expect((await ingest(collector, '198.51.100.8', KEY)).statusCode).toBe(202);
    const ok = await api.inject({
      url: '/v1/services',
      remoteAddress: '198.51.100.8',
      headers: { authorization: `Bearer ${KEY}` },
    });
    expect(ok.statusCode).toBe(200);

    const metrics = await collector.inject({
      url: '/metrics',
      remoteAddress: '192.0.2.1',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(metrics.body).toContain(
      'vantage_auth_refusals_total{code="VTG_AUTH_THROTTLED",role="collector"} 41',
    );
    expect(metrics.body).toContain(
      'vantage_auth_refusals_total{code="VTG_AUTH_INVALID_KEY",role="collector"} 10',
    );
    expect(metrics.body).toContain('vantage_auth_throttled_clients{role="collector"} 1');
  });
});

describe('/metrics', () => {
  it('takes only the scrape token on the collector port and on a metrics port; the probes stay open', async () => {
    const { collector, apiMetrics } = await embeddedServers({ apiKeys: KEY, metricsToken: TOKEN });
    for (const app of [collector, apiMetrics]) {
      const scrape = (headers: Record<string, string>) =>
        app.inject({ url: '/metrics', remoteAddress: '192.0.2.10', headers });
      const none = await scrape({});
      expect(none.statusCode).toBe(401);
      expect(none.json()).toMatchObject({ error: { code: 'VTG_AUTH_MISSING_KEY', field: 'authorization' } });
      const apiKey = await scrape({ authorization: `Bearer ${KEY}` });
      expect(apiKey.statusCode).toBe(401);
      expect(apiKey.json()).toMatchObject({ error: { code: 'VTG_AUTH_INVALID_KEY' } });
      const token = await scrape({ authorization: `Bearer ${TOKEN}` });
      expect(token.statusCode).toBe(200);
      expect(token.body).toContain('# TYPE vantage_');
      for (const probe of ['/live', '/ready', '/health'].filter((p) => app === collector || p === '/live')) {
        expect((await app.inject({ url: probe, remoteAddress: '192.0.2.10' })).statusCode).toBe(200);
      }
    }
  });

  it('takes the API keys when there is no scrape token, and is open when there are no keys', async () => {
    const keyed = await embeddedServers({ apiKeys: KEY });
    expect(keyed.auth.scrapeCredential).toBe(KEY);
    const scrape = (headers: Record<string, string> = {}) =>
      keyed.apiMetrics.inject({ url: '/metrics', remoteAddress: '192.0.2.20', headers });
    expect((await scrape()).statusCode).toBe(401);
    expect((await scrape({ 'x-api-key': KEY })).statusCode).toBe(200);

    const open = await embeddedServers({});
    expect(open.auth.scrapeCredential).toBeUndefined();
    expect((await open.collector.inject({ url: '/metrics' })).statusCode).toBe(200);
    expect((await open.apiMetrics.inject({ url: '/metrics' })).statusCode).toBe(200);
  });
});

describe('vantage keys new', () => {
  it('makes 43-character base64url keys, each new, that the start-up check accepts', () => {
    const keys = Array.from({ length: 20 }, () => generateApiKey());
    for (const key of keys) expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(new Set(keys).size).toBe(20);
    expect(parseConfig({ apiKeys: keys.join(','), metricsToken: generateApiKey() }).apiKeys).toEqual(keys);
  });
});
