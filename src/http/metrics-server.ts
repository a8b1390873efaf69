import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { registerErrorHandling } from './error-handler.js';
import { registerGracefulClose } from './graceful-close.js';
import { registerHealthRoutes } from './health.js';
import type { ReadinessCheck } from './health.js';
import { httpServerOptions, registerIdleSocketTimeout } from './server-options.js';
import type { HttpServerSettings } from './server-options.js';

/** Serves a registry at /metrics in Prometheus text format. */
export function registerMetricsRoute(app: FastifyInstance, registry: Registry): void {
  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
    const text = await registry.metrics();
    return reply.header('content-type', registry.contentType).send(text);
  });
}

/**
 * A bare server for a role whose metrics live on a port of their own (API 9091, worker 9092).
 * With `health`, it also answers /ready and /health for a role that has no other HTTP server.
 */
export async function buildMetricsServer(
  registry: Registry,
  http: HttpServerSettings,
  health?: { readonly role: string; readonly readiness: Record<string, ReadinessCheck> },
): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, ...httpServerOptions(http) });
  registerGracefulClose(app, http.shutdownGraceMs);
  registerIdleSocketTimeout(app);
  registerErrorHandling(app, () => undefined);
  registerMetricsRoute(app, registry);
  if (health) registerHealthRoutes(app, health.role, health.readiness);
  else app.get('/live', async () => ({ status: 'ok' }));
  return app;
}
