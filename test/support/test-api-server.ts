import pino from 'pino';
import { Registry } from 'prom-client';
import type { FastifyInstance } from 'fastify';
import type { TierRetention } from '../../src/core/index.js';
import { ApiKeyVerifier } from '../../src/http/index.js';
import { TEST_HTTP_SETTINGS } from './http-settings.js';
import { buildApiServer, createApiMetrics } from '../../src/api/index.js';
import type { ApiServerOptions, StreamOptions } from '../../src/api/index.js';
import { createStreamMetrics } from '../../src/api/index.js';
import type { Store, TraceStore } from '../../src/storage/index.js';

/** For tests of the API: a retention long enough that no test's data ages out. */
export const FOREVER: TierRetention = { '1m': 1e13, '5m': 1e13, '1h': 1e13, '1d': 1e13 };

/** A store with nothing in it: every read answers an empty list. */
export const EMPTY_STORE: Store = new Proxy({} as Store, {
  get: (_t, name) => (name === 'kind' ? 'none' : async () => []),
});

/** A trace store with nothing in it: every read answers an empty list. */
export const EMPTY_TRACE_STORE: TraceStore = new Proxy({} as TraceStore, {
  get: () => async () => [],
});

/** The live stream's options with no bus behind it: tickets and refusals work, no data flows. */
export function streamWithoutFeed(secretByte = 7): StreamOptions {
  return {
    feed: undefined,
    unavailable: 'no feed in this test',
    metrics: createStreamMetrics(new Registry()),
    ticketSecret: Buffer.alloc(32, secretByte),
    limits: { maxConnections: 10, maxSubscriptions: 5, maxBufferedBytes: 65_536, heartbeatMs: 60_000 },
    allowedOrigins: [],
  };
}

/**
 * The query API as the API's tests build it: silent, no API keys, FOREVER, metrics in a registry
 * of their own, no readiness checks, the default HTTP timeouts. `options` sets the store and overrides any of the rest.
 */
export function testApiServer(
  options: Pick<ApiServerOptions, 'store'> & Partial<ApiServerOptions>,
): Promise<FastifyInstance> {
  return buildApiServer({
    logger: pino({ level: 'silent' }),
    metrics: createApiMetrics(new Registry()),
    apiKeys: new ApiKeyVerifier([]),
    retention: FOREVER,
    maxPointsPerSeries: 1000,
    readiness: {},
    http: TEST_HTTP_SETTINGS,
    ...options,
  });
}
