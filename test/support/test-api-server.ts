import pino from 'pino';
import { Registry } from 'prom-client';
import type { FastifyInstance } from 'fastify';
import type { TierRetention } from '../../src/core/index.js';
import { ApiKeyVerifier } from '../../src/http/index.js';
import { TEST_HTTP_SETTINGS } from './http-settings.js';
import { buildApiServer, createApiMetrics } from '../../src/api/index.js';
import type { ApiServerOptions } from '../../src/api/index.js';

/** For tests of the API: a retention long enough that no test's data ages out. */
export const FOREVER: TierRetention = { '1m': 1e13, '5m': 1e13, '1h': 1e13, '1d': 1e13 };

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
