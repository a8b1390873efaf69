import type { FastifyInstance } from 'fastify';

/**
 * Lets close() finish promptly while clients hold keep-alive connections: once closing starts,
 * every response (the ones in flight included) says `Connection: close`, so each socket closes
 * right after its last answer instead of idling until the keep-alive timeout.
 */
export function registerGracefulClose(app: FastifyInstance): void {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    if (closing) void reply.header('connection', 'close');
    return payload;
  });
}
