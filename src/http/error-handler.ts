import type { FastifyError, FastifyInstance } from 'fastify';
import { errorBody, VantageError } from '../core/index.js';

/** Turns a framework error (body parsing, schema validation) into a catalog error, or undefined. */
export type FrameworkErrorMapper = (err: FastifyError) => VantageError | undefined;

/**
 * The one place a server turns errors into responses: `{"error": {code, message, field?}}`,
 * 4xx logged as warn, 5xx as error, Retry-After on 429 and 503.
 */
export function registerErrorHandling(
  app: FastifyInstance,
  mapFrameworkError: FrameworkErrorMapper,
  onError: (err: VantageError) => void = () => undefined,
): void {
  app.setErrorHandler((raw: FastifyError, request, reply) => {
    const err =
      raw instanceof VantageError
        ? raw
        : (mapFrameworkError(raw) ?? new VantageError('VTG_SERVER_INTERNAL_ERROR', { cause: raw }));
    onError(err);
    if (err.statusCode >= 500) request.log.error({ err: raw, code: err.code }, err.message);
    else request.log.warn({ code: err.code, field: err.field }, err.message);
    if (err.retryAfter !== undefined)
      void reply.header('retry-after', String(Math.max(1, Math.ceil(err.retryAfter))));
    return reply.code(err.statusCode).send(errorBody(err));
  });
  app.setNotFoundHandler((request, reply) => {
    const err = new VantageError('VTG_HTTP_NOT_FOUND', {
      params: { method: request.method, url: request.url },
    });
    return reply.code(404).send(errorBody(err));
  });
}
