import type { FastifyPluginAsync } from 'fastify';
import { formatMessage } from '../core/index.js';
import type { ErrorCode } from '../core/index.js';

/** Why a check is not ready, with a catalog code and facts a machine can read. */
export interface ReadinessProblem {
  readonly code: ErrorCode;
  readonly message: string;
  /** Shown under the check's name in the body's `details`. */
  readonly details?: Readonly<Record<string, unknown>>;
}

/** A readiness check: undefined when ready, else the reason it is not (text, or coded). */
export type ReadinessCheck = () => string | ReadinessProblem | undefined;

interface Evaluation {
  ready: boolean;
  checks: Record<string, string>;
  /** The first problem, coded: a check that gave only text is VTG_SERVICE_UNAVAILABLE. */
  error?: { code: ErrorCode; message: string };
  details?: Record<string, Readonly<Record<string, unknown>>>;
}

/**
 * /live: the process answers. /ready: it can do its work now (storage open, bus reachable, the
 * pipeline behind it moving). /health: both, with details, for people.
 */
export interface HealthRouteOptions {
  /** Named in /health's body. */
  readonly role: string;
  readonly checks: Record<string, ReadinessCheck>;
}

export const healthRoutes: FastifyPluginAsync<HealthRouteOptions> = async (app, { role, checks }) => {
  const evaluate = (): Evaluation => {
    const out: Evaluation = { ready: true, checks: {} };
    for (const [name, check] of Object.entries(checks)) {
      const problem = check();
      if (problem === undefined) {
        out.checks[name] = 'ok';
        continue;
      }
      out.ready = false;
      const coded: ReadinessProblem =
        typeof problem === 'string'
          ? {
              code: 'VTG_SERVICE_UNAVAILABLE',
              message: formatMessage('VTG_SERVICE_UNAVAILABLE', { reason: problem }),
            }
          : problem;
      out.checks[name] = typeof problem === 'string' ? problem : problem.message;
      out.error ??= { code: coded.code, message: coded.message };
      if (coded.details) (out.details ??= {})[name] = coded.details;
    }
    return out;
  };
  app.get('/live', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/ready', { schema: { hide: true } }, async (_req, reply) => {
    const { ready, ...rest } = evaluate();
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', ...rest });
  });
  app.get('/health', { schema: { hide: true } }, async (_req, reply) => {
    const { ready, ...rest } = evaluate();
    return reply.code(ready ? 200 : 503).send({
      status: ready ? 'ok' : 'degraded',
      role,
      uptimeSeconds: Math.round(process.uptime()),
      ...rest,
    });
  });
};
