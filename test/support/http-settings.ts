import type { HttpServerSettings } from '../../src/http/index.js';

/** The HTTP timeouts servers built in tests run with: the defaults of the settings. */
export const TEST_HTTP_SETTINGS: HttpServerSettings = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 65_000,
  shutdownGraceMs: 15_000,
};
