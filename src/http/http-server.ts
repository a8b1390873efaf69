import Fastify from 'fastify';
import type { FastifyBaseLogger, FastifyInstance, FastifyServerOptions } from 'fastify';
import swagger from '@fastify/swagger';
import type { FastifyDynamicSwaggerOptions } from '@fastify/swagger';
import type { VantageError } from '../core/index.js';
import { registerErrorHandling } from './error-handler.js';
import type { FrameworkErrorMapper } from './error-handler.js';
import { registerGracefulClose } from './graceful-close.js';
import { quietRequestLogs } from './quiet-request-logs.js';
import { httpServerOptions, registerIdleSocketTimeout } from './server-options.js';
import type { HttpServerSettings } from './server-options.js';

export interface HttpServerBuild {
  /** Errors and slow clients are logged here; absent: the server logs nothing. */
  readonly logger?: FastifyBaseLogger;
  /** The `component` every log line of this server carries (a child of `logger`); absent: none. */
  readonly component?: string;
  readonly http: HttpServerSettings;
  /** Fastify options of this server alone (body limit, parsing). */
  readonly fastify?: Pick<FastifyServerOptions, 'bodyLimit' | 'onProtoPoisoning' | 'onConstructorPoisoning'>;
  /**
   * The OpenAPI document's title and description. Its keys go as bearer tokens; with
   * `apiKeyHeader`, also in X-API-Key (what ApiKeyVerifier reads).
   */
  readonly openapi?: {
    readonly title: string;
    readonly description: string;
    readonly apiKeyHeader?: boolean;
  };
  /** The server's own mapping of Fastify's errors to coded ones. */
  readonly mapFrameworkError: FrameworkErrorMapper;
  /** Called with each coded error answered. */
  readonly onError?: (err: VantageError) => void;
}

/**
 * Every HTTP server of ours starts the same way: Node's timeouts, a graceful close within the
 * grace, idle sockets ended, and coded error bodies. Routes are registered on what it returns.
 */
export async function buildHttpServer(o: HttpServerBuild): Promise<FastifyInstance> {
  const logger = o.component === undefined ? o.logger : o.logger?.child({ component: o.component });
  const app = Fastify({
    ...(logger ? { loggerInstance: logger, logController: quietRequestLogs() } : { logger: false }),
    ...o.fastify,
    ...httpServerOptions(o.http, logger),
  });
  if (o.openapi) await app.register(swagger, { openapi: openapiDocument(o.openapi) });
  registerGracefulClose(app, o.http.shutdownGraceMs);
  registerIdleSocketTimeout(app, logger);
  registerErrorHandling(app, o.mapFrameworkError, o.onError);
  return app;
}

function openapiDocument(
  o: NonNullable<HttpServerBuild['openapi']>,
): FastifyDynamicSwaggerOptions['openapi'] {
  const header = { type: 'apiKey', in: 'header', name: 'X-API-Key' } as const;
  return {
    info: { title: o.title, version: '1', description: o.description },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer' },
        ...(o.apiKeyHeader ? { apiKeyHeader: header } : {}),
      },
    },
  };
}
