import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Registry } from 'prom-client';
import { healthRoutes } from './health.js';
import type { ReadinessCheck } from './health.js';
import { buildHttpServer } from './http-server.js';
import type { HttpServerSettings } from './server-options.js';
import type { ApiKeyVerifier } from './api-keys.js';

/**
 * The secrets /metrics takes, on every port: the scrape token when one is set (Prometheus holds
 * only that, not a key that can write or read data), else the API keys; with neither, /metrics is
 * open like the rest of the server.
 */
export function metricsKeys(settings: {
  readonly metricsToken: string;
  readonly apiKeys: readonly string[];
}): readonly string[] {
  return settings.metricsToken !== '' ? [settings.metricsToken] : settings.apiKeys;
}

/** Serves a registry at /metrics in Prometheus text format, behind `auth` when it has keys. */
export interface MetricsRouteOptions {
  readonly registry: Registry;
  readonly auth?: ApiKeyVerifier;
}

export const metricsRoutes: FastifyPluginAsync<MetricsRouteOptions> = async (app, { registry, auth }) => {
  app.get(
    '/metrics',
    {
      schema: { hide: true },
      onRequest: async (request) => {
        if (auth?.enabled) auth.authenticate(request.headers, request.ip);
      },
    },
    async (_req, reply) => {
      const text = await registry.metrics();
      return reply.header('content-type', registry.contentType).send(text);
    },
  );
};

export interface MetricsServerOptions {
  /** Guards /metrics (see metricsKeys); the probes stay open. */
  readonly auth?: ApiKeyVerifier;
  /** Also answer /ready and /health, for a role that has no other HTTP server. */
  readonly health?: { readonly role: string; readonly readiness: Record<string, ReadinessCheck> };
}

/** A bare server for a role whose metrics live on a port of their own (API 9091, worker 9092). */
export async function buildMetricsServer(
  registry: Registry,
  http: HttpServerSettings,
  options: MetricsServerOptions = {},
): Promise<FastifyInstance> {
  const app = await buildHttpServer({ http, mapFrameworkError: () => undefined });
  await app.register(metricsRoutes, { registry, auth: options.auth });
  if (options.health)
    await app.register(healthRoutes, { role: options.health.role, checks: options.health.readiness });
  else app.get('/live', async () => ({ status: 'ok' }));
  return app;
}
