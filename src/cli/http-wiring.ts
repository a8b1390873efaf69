import type { VantageConfig } from '../config/index.js';
import type { HttpServerSettings } from '../http/index.js';

/** The HTTP settings every server of a role is built with. */
export function httpSettings(
  config: Pick<
    VantageConfig,
    'httpHeadersTimeout' | 'httpRequestTimeout' | 'httpKeepAliveTimeout' | 'shutdownGrace'
  >,
): HttpServerSettings {
  return {
    headersTimeoutMs: config.httpHeadersTimeout,
    requestTimeoutMs: config.httpRequestTimeout,
    keepAliveTimeoutMs: config.httpKeepAliveTimeout,
    shutdownGraceMs: config.shutdownGrace,
  };
}
