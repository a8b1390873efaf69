import { z } from 'zod';
import { durationSchema } from '../config/setting-spec.js';
import type { SettingSpec } from '../config/setting-spec.js';
import type { HttpServerSettings } from './server-options.js';

/**
 * The address and timeouts of every HTTP port a server role opens (collector, query API, the metrics ports), and
 * how long a stopping process waits for its clients. A client that holds a connection without
 * finishing its request costs a socket and memory for as long as it likes unless something ends
 * it; and `server.close()` waits for every connection, so one such client would stop a shutdown.
 * docs/operations.md ("Slow clients and shutdown") explains the defaults.
 */
export const HTTP_SETTINGS = {
  host: {
    flag: '--host',
    env: 'VANTAGE_HOST',
    default: '0.0.0.0',
    schema: z.string().min(1),
    description: 'Address the HTTP servers listen on',
  },
  httpHeadersTimeout: {
    flag: '--http-headers-timeout',
    env: 'VANTAGE_HTTP_HEADERS_TIMEOUT',
    default: '10s',
    schema: durationSchema(),
    description: "Time a client has to send a request's headers; past it, 408 and the connection closes",
  },
  httpRequestTimeout: {
    flag: '--http-request-timeout',
    env: 'VANTAGE_HTTP_REQUEST_TIMEOUT',
    default: '30s',
    schema: durationSchema(),
    description:
      'Time a client has to send a whole request, body included; past it, 408 and the connection closes',
  },
  httpKeepAliveTimeout: {
    flag: '--http-keep-alive-timeout',
    env: 'VANTAGE_HTTP_KEEP_ALIVE_TIMEOUT',
    default: '65s',
    schema: durationSchema(),
    description: 'How long an idle keep-alive connection stays open between requests',
  },
  shutdownGrace: {
    flag: '--shutdown-grace',
    env: 'VANTAGE_SHUTDOWN_GRACE',
    default: '15s',
    schema: durationSchema(),
    description:
      'On SIGTERM, how long requests in flight may take to finish before their connections are closed',
  },
} as const satisfies Record<string, SettingSpec>;

/** The headers are part of the request: Node refuses a headers timeout longer than the request's. */
export function httpTimeoutProblems(values: {
  readonly httpHeadersTimeout?: unknown;
  readonly httpRequestTimeout?: unknown;
}): string[] {
  const { httpHeadersTimeout: headers, httpRequestTimeout: request } = values;
  if (typeof headers !== 'number' || typeof request !== 'number' || headers <= request) return [];
  const h = HTTP_SETTINGS.httpHeadersTimeout;
  const r = HTTP_SETTINGS.httpRequestTimeout;
  return [`${h.flag} / ${h.env} must not be longer than ${r.flag} / ${r.env}`];
}

/** The HTTP settings every server of a role is built with, from the parsed settings. */
export function httpServerSettings(values: {
  readonly httpHeadersTimeout: number;
  readonly httpRequestTimeout: number;
  readonly httpKeepAliveTimeout: number;
  readonly shutdownGrace: number;
}): HttpServerSettings {
  return {
    headersTimeoutMs: values.httpHeadersTimeout,
    requestTimeoutMs: values.httpRequestTimeout,
    keepAliveTimeoutMs: values.httpKeepAliveTimeout,
    shutdownGraceMs: values.shutdownGrace,
  };
}
