import type { FastifyInstance } from 'fastify';

/** A readiness check: undefined when ready, else the reason it is not. */
export type ReadinessCheck = () => string | undefined;

/**
 * /live: the process answers. /ready: it can do its work now (storage open, bus reachable).
 * /health: both, with details, for people.
 */
export function registerHealthRoutes(
  app: FastifyInstance,
  role: string,
  checks: Record<string, ReadinessCheck>,
): void {
  const evaluate = (): { ready: boolean; checks: Record<string, string> } => {
    const results: Record<string, string> = {};
    let ready = true;
    for (const [name, check] of Object.entries(checks)) {
      const problem = check();
      results[name] = problem ?? 'ok';
      if (problem !== undefined) ready = false;
    }
    return { ready, checks: results };
  };
  app.get('/live', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/ready', { schema: { hide: true } }, async (_req, reply) => {
    const { ready, checks: results } = evaluate();
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks: results });
  });
  app.get('/health', { schema: { hide: true } }, async (_req, reply) => {
    const { ready, checks: results } = evaluate();
    return reply.code(ready ? 200 : 503).send({
      status: ready ? 'ok' : 'degraded',
      role,
      uptimeSeconds: Math.round(process.uptime()),
      checks: results,
    });
  });
}
