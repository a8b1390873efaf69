import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';

/** Serves a registry at /metrics in Prometheus text format. */
export function registerMetricsRoute(app: FastifyInstance, registry: Registry): void {
  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
    const text = await registry.metrics();
    return reply.header('content-type', registry.contentType).send(text);
  });
}

/** A bare server for a role whose metrics live on a port of their own (API 9091, worker 9092). */
export async function buildMetricsServer(registry: Registry): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, forceCloseConnections: 'idle' });
  registerMetricsRoute(app, registry);
  app.get('/live', async () => ({ status: 'ok' }));
  return app;
}
