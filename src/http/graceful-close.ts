import type { FastifyInstance } from 'fastify';
import { VantageError } from '../core/index.js';

/** What a request that arrives while the server closes is told to wait before it tries again. */
const RETRY_AFTER_S = 1;

/**
 * A bounded close(). Once closing starts, requests that arrive on open connections get a coded
 * 503 (Fastify's own has no code), every response says `Connection: close`, and idle keep-alive
 * sockets close at once (`forceCloseConnections: 'idle'`), so that close() waits only for requests
 * in flight. Those that are still not answered after `graceMs` (a client sending its body a byte
 * at a time, a query still running) have their connections closed, and close() returns.
 */
export function registerGracefulClose(app: FastifyInstance, graceMs: number): void {
  let closing = false;
  let force: NodeJS.Timeout | undefined;
  app.addHook('preClose', async () => {
    closing = true;
    force = setTimeout(() => {
      app.log.warn(
        { graceMs },
        'requests still in flight after the shutdown grace; closing their connections',
      );
      app.server.closeAllConnections();
    }, graceMs);
    force.unref();
  });
  app.addHook('onClose', async () => clearTimeout(force));
  app.addHook('onRequest', async () => {
    if (closing) {
      throw new VantageError('VTG_SERVICE_UNAVAILABLE', {
        params: { reason: 'the server is shutting down' },
        retryAfter: RETRY_AFTER_S,
      });
    }
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    if (closing) void reply.header('connection', 'close');
    return payload;
  });
}
