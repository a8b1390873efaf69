import Fastify from 'fastify';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import {
  httpServerOptions,
  quietRequestLogs,
  registerErrorHandling,
  registerGracefulClose,
  registerIdleSocketTimeout,
} from '../../http/index.js';
import type { HttpServerSettings } from '../../http/index.js';
import { otlpHttpRoutes } from './otlp-http-routes.js';
import type { OtlpMetricsReceiver } from './otlp-receiver.js';

export interface OtlpHttpServerOptions {
  readonly logger: Logger;
  readonly receiver: OtlpMetricsReceiver;
  /** The collector's --max-body-bytes, after gunzip. */
  readonly maxBodyBytes: number;
  /** Timeouts and the shutdown grace, as every port of ours. */
  readonly http: HttpServerSettings;
}

/**
 * The OTLP/HTTP port (4318 by default, the one every OpenTelemetry exporter assumes): a server of
 * its own rather than routes on the collector's port, because OTLP fixes the paths (`/v1/metrics`
 * would clash with ours) and the answers' shape. Built like the collector's server: the same
 * timeouts, graceful close and coded errors for what no route sees.
 */
export async function buildOtlpHttpServer(options: OtlpHttpServerOptions): Promise<FastifyInstance> {
  const logger: FastifyBaseLogger = options.logger.child({ component: 'otlp-http' });
  const app = Fastify({
    loggerInstance: logger,
    logController: quietRequestLogs(),
    bodyLimit: options.maxBodyBytes,
    ...httpServerOptions(options.http, logger),
  });
  registerGracefulClose(app, options.http.shutdownGraceMs);
  registerIdleSocketTimeout(app, logger);
  registerErrorHandling(app, () => undefined);
  await app.register(otlpHttpRoutes, { receiver: options.receiver, maxBodyBytes: options.maxBodyBytes });
  return app;
}
